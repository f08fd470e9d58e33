package io.glint.api.exception;

import io.glint.api.Language;

/**
 * A remote task or actor method raised an exception. {@link #type()} names it; for Java exceptions
 * that could be rebuilt here, {@link #getCause()} is the original exception.
 */
public final class TaskFailure extends RemoteFailure {
  public TaskFailure(
      String summary,
      String type,
      String remoteMessage,
      String remoteStackTrace,
      Language originLanguage,
      boolean retryable,
      Throwable cause) {
    super(summary, type, remoteMessage, remoteStackTrace, originLanguage, retryable, cause);
  }
}
