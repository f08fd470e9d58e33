package io.glint.api.exception;

import io.glint.api.Language;

/** An object can no longer be read: it was freed, its copies were lost, or its owner died. */
public final class ObjectLostFailure extends RemoteFailure {
  public ObjectLostFailure(
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
