package io.glint.api.exception;

import io.glint.api.Language;

/** The task was cancelled with {@code Glint.cancel} before it produced a result. */
public final class TaskCancelledFailure extends RemoteFailure {
  public TaskCancelledFailure(
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
