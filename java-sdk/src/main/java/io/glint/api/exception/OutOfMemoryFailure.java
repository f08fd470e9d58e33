package io.glint.api.exception;

import io.glint.api.Language;

/**
 * The node's memory monitor killed the process running the task (or actor), because the node's
 * memory use crossed its threshold, and the task had no retries left. Ray's {@code
 * OutOfMemoryError}; {@link #type()} is {@code "OutOfMemoryError"} and the message gives the node's
 * memory figures.
 *
 * <pre>{@code
 * try {
 *   Glint.get(Glint.task(Fns::hungry).remote());
 * } catch (OutOfMemoryFailure e) {
 *   // use less memory per task, or ask for more (setResource("memory", bytes))
 * }
 * }</pre>
 */
public final class OutOfMemoryFailure extends RemoteFailure {
  public OutOfMemoryFailure(
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
