package io.glint.api.exception;

/**
 * The root of every exception Glint throws. Unchecked.
 *
 * <p>Failures that happened in another process extend {@link RemoteFailure} and carry the remote
 * exception's type, stack trace and language; local client errors are {@code ...Exception}s.
 */
public class GlintException extends RuntimeException {
  public GlintException(String message) {
    super(message);
  }

  public GlintException(String message, Throwable cause) {
    super(message, cause);
  }
}
