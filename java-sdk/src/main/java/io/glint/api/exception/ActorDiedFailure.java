package io.glint.api.exception;

import io.glint.api.Language;

/**
 * The actor is dead: it was killed, its process died, or its constructor failed. Its restarts, if
 * any, were used up.
 */
public final class ActorDiedFailure extends RemoteFailure {
  public ActorDiedFailure(
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
