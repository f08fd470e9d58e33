package io.glint.kotlin

import io.glint.api.Glint
import io.glint.api.ObjectRef
import io.glint.api.exception.GlintException
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * Suspends until the object is available and returns it, without blocking a thread.
 * - Fast path: when the object is already available (e.g. a [Glint.put] value or a finished task)
 *   it returns at once, without suspending.
 * - Failures: the remote failure itself is thrown (a [io.glint.api.exception.RemoteFailure]
 *   subclass such as `TaskFailure`), never a wrapper.
 * - Cancellation: cancelling the waiting coroutine **cancels the remote task**
 *   (`Glint.cancel(ref)`: a queued task is dropped, a running one interrupted). Use [awaitDetached]
 *   to stop waiting while leaving the task running. Refs this process did not submit are never
 *   cancelled.
 *
 * ```
 * val sixteen: Int = Glint.task(Fns::square, 4).remote().await()
 * ```
 */
public suspend fun <T> ObjectRef<T>.await(): T = awaitInternal(cancelRemote = true)

/**
 * Like [await], but cancelling the waiting coroutine only stops the wait: the remote task keeps
 * running and its result stays available through this ref.
 */
public suspend fun <T> ObjectRef<T>.awaitDetached(): T = awaitInternal(cancelRemote = false)

/** Whether the object is available now (its task finished, successfully or not). */
public fun ObjectRef<*>.isReady(): Boolean {
  @Suppress("UNCHECKED_CAST") val self = this as ObjectRef<Any?>
  return Glint.wait(listOf(self), 1, 0).ready.isNotEmpty()
}

private suspend fun <T> ObjectRef<T>.awaitInternal(cancelRemote: Boolean): T {
  if (isReady()) {
    return Glint.get(this)
  }
  val future = toCompletableFuture()
  return suspendCancellableCoroutine { cont ->
    future.whenComplete { value, error ->
      if (error != null) cont.resumeWithException(error) else cont.resume(value)
    }
    cont.invokeOnCancellation { if (cancelRemote) cancelQuietly() }
  }
}

/**
 * A [Deferred] view of the ref. Completing follows the object; cancelling the deferred cancels the
 * remote task, as for [await].
 */
public fun <T> ObjectRef<T>.asDeferred(): Deferred<T> {
  val deferred = CompletableDeferred<T>()
  toCompletableFuture().whenComplete { value, error ->
    if (error != null) deferred.completeExceptionally(error) else deferred.complete(value)
  }
  deferred.invokeOnCompletion { cause ->
    if (cause is kotlinx.coroutines.CancellationException) cancelQuietly()
  }
  return deferred
}

internal fun ObjectRef<*>.cancelQuietly() {
  try {
    Glint.cancel(this)
  } catch (e: GlintException) {
    // Not ours to cancel (a borrowed ref), or Glint is shutting down: stop waiting only.
  }
}
