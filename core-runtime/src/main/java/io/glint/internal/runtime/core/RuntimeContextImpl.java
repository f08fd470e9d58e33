package io.glint.internal.runtime.core;

import io.glint.api.RuntimeContext;
import io.glint.internal.runtime.common.Ids;
import java.util.List;
import java.util.Optional;

/** A snapshot of where the calling code runs. */
final class RuntimeContextImpl implements RuntimeContext {
  private final CoreWorker worker;
  private final TaskExecutor.TaskContext task;

  RuntimeContextImpl(CoreWorker worker) {
    this.worker = worker;
    this.task = TaskExecutor.current();
  }

  @Override
  public String getJobId() {
    return Ids.hex(worker.jobId());
  }

  @Override
  public String getNodeId() {
    return Ids.hex(worker.settings().nodeId());
  }

  @Override
  public Optional<String> getTaskId() {
    return task == null ? Optional.empty() : Optional.of(Ids.hex(task.taskId()));
  }

  @Override
  public Optional<String> getActorId() {
    TaskExecutor ex = worker.executor();
    return ex == null || ex.actorId() == null
        ? Optional.empty()
        : Optional.of(Ids.hex(ex.actorId()));
  }

  @Override
  public boolean isDriver() {
    return worker.settings().mode() == CoreWorker.Mode.DRIVER;
  }

  @Override
  public String getNamespace() {
    return worker.namespace();
  }

  @Override
  public List<Integer> getGpuIds() {
    return task == null ? List.of() : List.copyOf(task.gpuIds());
  }

  @Override
  public String toString() {
    return "RuntimeContext{job="
        + getJobId()
        + ", node="
        + getNodeId()
        + ", task="
        + getTaskId().orElse("-")
        + ", actor="
        + getActorId().orElse("-")
        + "}";
  }
}
