package io.glint.kotlin

import io.glint.api.Glint
import io.glint.api.ObjectRef
import io.glint.api.WaitResult
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.resume
import kotlin.time.Duration
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Awaits every object and returns their values in order. The first failure is thrown (the others
 * are then cancelled); cancelling the coroutine cancels the tasks still running.
 *
 * ```
 * val squares = (0 until 1000).map { Glint.task(Fns::square, it).remote() }.awaitAll()
 * ```
 */
public suspend fun <T> Collection<ObjectRef<T>>.awaitAll(): List<T> {
  val refs = toList()
  try {
    return refs.map { it.await() }
  } catch (e: Throwable) {
    refs.forEach { if (!it.isReady()) it.cancelQuietly() }
    throw e
  }
}

/**
 * The values as a cold [Flow] in completion order, not submission order: process results as they
 * arrive. Failures are thrown by the flow when they arrive. Cancelling the collector cancels the
 * tasks still running (as [await] does).
 *
 * ```
 * refs.asCompletedFlow().collect { println(it) }
 * ```
 */
public fun <T> Collection<ObjectRef<T>>.asCompletedFlow(): Flow<T> {
  val refs = toList()
  return callbackFlow {
    val remaining = AtomicInteger(refs.size)
    if (refs.isEmpty()) close()
    for (ref in refs) {
      ref.toCompletableFuture().whenComplete { value, error ->
        if (error != null) {
          close(error)
        } else {
          trySend(value)
          if (remaining.decrementAndGet() == 0) close()
        }
      }
    }
    awaitClose { refs.forEach { if (!it.isReady()) it.cancelQuietly() } }
  }
}

/**
 * Suspends until [numReturns] objects are ready or [timeout] passes, like `Glint.wait` but without
 * blocking a thread. Never throws on timeout; ready refs come first in input order.
 */
public suspend fun <T> Collection<ObjectRef<T>>.awaitReady(
  numReturns: Int = size,
  timeout: Duration = Duration.INFINITE,
): WaitResult<T> {
  val refs = toList()
  require(numReturns in 0..refs.size) {
    "numReturns must be between 0 and the number of refs (${refs.size}), got $numReturns"
  }
  withTimeoutOrNull(timeout) {
    suspendCancellableCoroutine { cont ->
      val done = AtomicInteger()
      if (numReturns == 0) cont.resume(Unit)
      for (ref in refs) {
        ref.toCompletableFuture().whenComplete { _, _ ->
          if (done.incrementAndGet() == numReturns) cont.resume(Unit)
        }
      }
    }
  }
  // After the timeout fewer than numReturns may be ready: Glint.wait returns what is.
  return Glint.wait(refs, numReturns, 0)
}
