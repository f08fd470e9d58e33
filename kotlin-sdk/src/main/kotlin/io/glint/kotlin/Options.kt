package io.glint.kotlin

/**
 * Options of a remote task call in Kotlin form; see [remote]. Unset fields keep Ray's defaults (1
 * CPU, 3 retries on worker death).
 */
public class TaskOptions internal constructor() {
  /** CPUs the task holds while it runs. */
  public var numCpus: Double? = null

  /** GPUs the task holds while it runs. */
  public var numGpus: Double? = null

  /** Memory (bytes) the task reserves. */
  public var memory: Double? = null

  /** Custom resources, e.g. `resources["accelerator"] = 1.0`. */
  public val resources: MutableMap<String, Double> = linkedMapOf()

  /** Retries on worker death; -1 forever. */
  public var maxRetries: Int? = null

  /** Also retry when the task throws. */
  public var retryExceptions: Boolean? = null

  /** Display name. */
  public var name: String? = null

  /** Where it may run (spread, node affinity, a placement group's bundle). */
  public var schedulingStrategy: io.glint.api.SchedulingStrategy? = null

  /** Runs in a bundle of a placement group: `placementGroup(pg, 0)` (-1: any bundle). */
  public fun placementGroup(
    group: io.glint.api.PlacementGroup,
    bundleIndex: Int = -1,
    captureChildTasks: Boolean = false,
  ) {
    schedulingStrategy =
      io.glint.api.SchedulingStrategy.placementGroup(group, bundleIndex, captureChildTasks)
  }
}

/**
 * Options of an actor's creation in Kotlin form; see [remote]. With no resources an actor needs 1
 * CPU to be placed and none while it runs.
 */
public class ActorOptions internal constructor() {
  public var numCpus: Double? = null
  public var numGpus: Double? = null
  public var memory: Double? = null
  public val resources: MutableMap<String, Double> = linkedMapOf()

  /** Method calls that may run at once. */
  public var maxConcurrency: Int? = null

  /** Restarts after the actor's process dies; -1 forever. */
  public var maxRestarts: Int? = null

  /** Retries of a method call after a restart. */
  public var maxTaskRetries: Int? = null

  /** Registers the actor under this name (see [namedActor]). */
  public var name: String? = null
  public var namespace: String? = null

  /** JVM flags for the actor's own worker process. */
  public var jvmOptions: List<String> = emptyList()

  /** Where it may be placed (spread, node affinity, a placement group's bundle). */
  public var schedulingStrategy: io.glint.api.SchedulingStrategy? = null

  /** Places the actor in a bundle of a placement group (-1: any bundle). */
  public fun placementGroup(
    group: io.glint.api.PlacementGroup,
    bundleIndex: Int = -1,
    captureChildTasks: Boolean = false,
  ) {
    schedulingStrategy =
      io.glint.api.SchedulingStrategy.placementGroup(group, bundleIndex, captureChildTasks)
  }
}
