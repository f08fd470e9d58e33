package io.glint.api.exception;

import io.glint.api.Language;

/**
 * The process running a task died (for example {@code System.exit}, a crash or a kill) and the
 * task's retries, if any, were used up.
 */
public final class WorkerCrashedFailure extends RemoteFailure {
  public WorkerCrashedFailure(
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
