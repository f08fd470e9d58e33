package io.glint.api;

import java.util.Map;

/**
 * A prepared remote task call. Set options, then call {@link #remote()}.
 *
 * <pre>{@code
 * ObjectRef<Model> ref = Glint.task(Fns::train, data)
 *     .setResource("CPU", 4)
 *     .setResource("GPU", 1)
 *     .remote();
 * }</pre>
 *
 * @param <R> the task's result type ({@link Void} for functions returning nothing)
 */
public final class TaskCaller<R> {
  private final Object func;
  private final Object[] args;
  private final CallOptions.Builder options = CallOptions.builder();

  TaskCaller(Object func, Object[] args) {
    this.func = func;
    this.args = args;
  }

  /** See {@link CallOptions.Builder#setResource}. */
  public TaskCaller<R> setResource(String name, double quantity) {
    options.setResource(name, quantity);
    return this;
  }

  /** See {@link CallOptions.Builder#setResources}. */
  public TaskCaller<R> setResources(Map<String, Double> resources) {
    options.setResources(resources);
    return this;
  }

  /** See {@link CallOptions.Builder#setMaxRetries}. */
  public TaskCaller<R> setMaxRetries(int maxRetries) {
    options.setMaxRetries(maxRetries);
    return this;
  }

  /** See {@link CallOptions.Builder#setRetryExceptions}. */
  public TaskCaller<R> setRetryExceptions(boolean retryExceptions) {
    options.setRetryExceptions(retryExceptions);
    return this;
  }

  /** See {@link CallOptions.Builder#setName}. */
  public TaskCaller<R> setName(String name) {
    options.setName(name);
    return this;
  }

  /** Runs in bundle {@code bundleIndex} (-1: any) of a placement group. */
  public TaskCaller<R> setPlacementGroup(PlacementGroup group, int bundleIndex) {
    return setSchedulingStrategy(SchedulingStrategy.placementGroup(group, bundleIndex, false));
  }

  /**
   * Runs in bundle {@code bundleIndex} (-1: any) of a placement group; with {@code
   * captureChildTasks}, the tasks it submits run in the group too.
   */
  public TaskCaller<R> setPlacementGroup(
      PlacementGroup group, int bundleIndex, boolean captureChildTasks) {
    return setSchedulingStrategy(
        SchedulingStrategy.placementGroup(group, bundleIndex, captureChildTasks));
  }

  /** See {@link CallOptions.Builder#setSchedulingStrategy}. */
  public TaskCaller<R> setSchedulingStrategy(SchedulingStrategy strategy) {
    options.setSchedulingStrategy(strategy);
    return this;
  }

  /** Submits the task and returns a reference to its future result at once. */
  public ObjectRef<R> remote() {
    return Glint.runtime().submitTask(func, args, options.build());
  }
}
