package io.glint.kotlin

import io.glint.api.ActorHandle
import io.glint.api.Glint
import io.glint.api.ObjectRef
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * Stores [value] in the object store without blocking the caller's thread (serialization of a large
 * value runs on [Dispatchers.Default]).
 */
public suspend fun <T> putAsync(value: T): ObjectRef<T> =
  withContext(Dispatchers.Default) { Glint.put(value) }

/**
 * The actor registered under [name] (in [namespace], default the job's), or null.
 *
 * ```
 * val counter = namedActor<Counter>("counter") ?: error("no counter")
 * ```
 */
public inline fun <reified A> namedActor(name: String, namespace: String? = null): ActorHandle<A>? {
  val found = if (namespace == null) Glint.getActor<A>(name) else Glint.getActor<A>(name, namespace)
  return found.orElse(null)
}
