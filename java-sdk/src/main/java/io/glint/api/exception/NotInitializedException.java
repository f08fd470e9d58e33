package io.glint.api.exception;

/** The Glint API was used before {@code Glint.init()} or after {@code Glint.shutdown()}. */
public final class NotInitializedException extends GlintException {
  public NotInitializedException(String message) {
    super(message);
  }
}
