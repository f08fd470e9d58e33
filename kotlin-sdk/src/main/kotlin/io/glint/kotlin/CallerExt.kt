package io.glint.kotlin

import io.glint.api.ActorCreator
import io.glint.api.ActorHandle
import io.glint.api.ActorTaskCaller
import io.glint.api.ObjectRef
import io.glint.api.TaskCaller

/**
 * Submits the task with options set Kotlin style.
 *
 * ```
 * val ref = Glint.task(Fns::train, data).remote { numCpus = 4.0; numGpus = 1.0; maxRetries = 5 }
 * ```
 */
public fun <R> TaskCaller<R>.remote(configure: TaskOptions.() -> Unit): ObjectRef<R> {
  val o = TaskOptions().apply(configure)
  o.numCpus?.let { setResource("CPU", it) }
  o.numGpus?.let { setResource("GPU", it) }
  o.memory?.let { setResource("memory", it) }
  if (o.resources.isNotEmpty()) setResources(o.resources)
  o.maxRetries?.let { setMaxRetries(it) }
  o.retryExceptions?.let { setRetryExceptions(it) }
  o.name?.let { setName(it) }
  o.schedulingStrategy?.let { setSchedulingStrategy(it) }
  return remote()
}

/** Submits the task and suspends until its result: `Glint.task(Fns::square, 4).await()`. */
public suspend fun <R> TaskCaller<R>.await(): R = remote().await()

/**
 * Creates the actor with options set Kotlin style.
 *
 * ```
 * val server = Glint.actor(::ModelServer, "model.bin").remote { maxConcurrency = 10 }
 * ```
 */
public fun <A> ActorCreator<A>.remote(configure: ActorOptions.() -> Unit): ActorHandle<A> {
  val o = ActorOptions().apply(configure)
  o.numCpus?.let { setResource("CPU", it) }
  o.numGpus?.let { setResource("GPU", it) }
  o.memory?.let { setResource("memory", it) }
  if (o.resources.isNotEmpty()) setResources(o.resources)
  o.maxConcurrency?.let { setMaxConcurrency(it) }
  o.maxRestarts?.let { setMaxRestarts(it) }
  o.maxTaskRetries?.let { setMaxTaskRetries(it) }
  o.name?.let { setName(it) }
  o.namespace?.let { setNamespace(it) }
  if (o.jvmOptions.isNotEmpty()) setJvmOptions(*o.jvmOptions.toTypedArray())
  o.schedulingStrategy?.let { setSchedulingStrategy(it) }
  return remote()
}

/** Calls the actor method and suspends until its result: `counter.task(Counter::get).await()`. */
public suspend fun <R> ActorTaskCaller<R>.await(): R = remote().await()
