package io.glint.api.exception;

import io.glint.api.Language;

/**
 * A failure that happened in another process (a worker, an actor, a daemon) and crossed to this
 * one. It keeps the remote exception's {@link #type() type} (e.g. {@code
 * java.lang.IllegalStateException} or {@code ValueError}), its {@link #remoteStackTrace() stack
 * trace} as text and its {@link #originLanguage() language}. Retry policies match on {@code type},
 * never on a Java class.
 *
 * <p>When the remote exception was a Java exception that could be reconstructed here, it is this
 * failure's {@link #getCause() cause}.
 */
public abstract class RemoteFailure extends GlintException {
  private final String type;
  private final String remoteMessage;
  private final String remoteStackTrace;
  private final Language originLanguage;
  private final boolean retryable;

  protected RemoteFailure(
      String summary,
      String type,
      String remoteMessage,
      String remoteStackTrace,
      Language originLanguage,
      boolean retryable,
      Throwable cause) {
    super(compose(summary, remoteStackTrace), cause);
    this.type = type;
    this.remoteMessage = remoteMessage;
    this.remoteStackTrace = remoteStackTrace;
    this.originLanguage = originLanguage;
    this.retryable = retryable;
  }

  private static String compose(String summary, String remoteStack) {
    if (remoteStack == null || remoteStack.isEmpty()) {
      return summary;
    }
    return summary + "\nRemote stack trace:\n" + remoteStack;
  }

  /** The remote exception's type name in its own language. */
  public String type() {
    return type;
  }

  /** The remote exception's own message. */
  public String remoteMessage() {
    return remoteMessage;
  }

  /** The remote stack trace as text, empty when there is none. */
  public String remoteStackTrace() {
    return remoteStackTrace;
  }

  /** The language the failure happened in. */
  public Language originLanguage() {
    return originLanguage;
  }

  /** Whether trying again may succeed (e.g. a crashed worker, as opposed to a bug). */
  public boolean isRetryable() {
    return retryable;
  }
}
