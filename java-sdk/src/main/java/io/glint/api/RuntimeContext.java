package io.glint.api;

import java.util.List;
import java.util.Optional;

/**
 * Where the calling code runs: its job, node, task and actor. Ids are hex strings.
 *
 * <pre>{@code
 * String node = Glint.getRuntimeContext().getNodeId();
 * }</pre>
 */
public interface RuntimeContext {
  /** The job (driver program) this code belongs to. */
  String getJobId();

  /** The node this process runs on. */
  String getNodeId();

  /** The task being executed by the calling thread; empty in a driver. */
  Optional<String> getTaskId();

  /** The actor this process hosts; empty outside actors. */
  Optional<String> getActorId();

  /** Whether this process is the driver (as opposed to a worker). */
  boolean isDriver();

  /** The namespace of the job (where named actors are registered). */
  String getNamespace();

  /** GPU indices assigned to the current task or actor; empty when none. */
  List<Integer> getGpuIds();
}
