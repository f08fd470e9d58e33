package io.glint.api.exception;

/**
 * A {@code get} with a timeout did not see its object in time. The message says what the object is
 * waiting for (for example a resource request no node can satisfy).
 */
public final class GetTimeoutException extends GlintException {
  public GetTimeoutException(String message) {
    super(message);
  }
}
