package io.glint.api;

import java.util.List;
import java.util.Map;

/**
 * A prepared actor creation. Set options, then call {@link #remote()}.
 *
 * <pre>{@code
 * ActorHandle<Counter> counter = Glint.actor(Counter::new).setName("counter").remote();
 * }</pre>
 *
 * @param <A> the actor's class
 */
public final class ActorCreator<A> {
  private final Object func;
  private final Object[] args;
  private final ActorOptions.Builder options = ActorOptions.builder();

  ActorCreator(Object func, Object[] args) {
    this.func = func;
    this.args = args;
  }

  /** See {@link ActorOptions.Builder#setResource}. */
  public ActorCreator<A> setResource(String name, double quantity) {
    options.setResource(name, quantity);
    return this;
  }

  /** See {@link ActorOptions.Builder#setResources}. */
  public ActorCreator<A> setResources(Map<String, Double> resources) {
    options.setResources(resources);
    return this;
  }

  /** See {@link ActorOptions.Builder#setMaxConcurrency}. */
  public ActorCreator<A> setMaxConcurrency(int maxConcurrency) {
    options.setMaxConcurrency(maxConcurrency);
    return this;
  }

  /** See {@link ActorOptions.Builder#setMaxRestarts}. */
  public ActorCreator<A> setMaxRestarts(int maxRestarts) {
    options.setMaxRestarts(maxRestarts);
    return this;
  }

  /** See {@link ActorOptions.Builder#setMaxTaskRetries}. */
  public ActorCreator<A> setMaxTaskRetries(int maxTaskRetries) {
    options.setMaxTaskRetries(maxTaskRetries);
    return this;
  }

  /** See {@link ActorOptions.Builder#setLifetime}. */
  public ActorCreator<A> setLifetime(ActorLifetime lifetime) {
    options.setLifetime(lifetime);
    return this;
  }

  /** See {@link ActorOptions.Builder#setName}. */
  public ActorCreator<A> setName(String name) {
    options.setName(name);
    return this;
  }

  /** See {@link ActorOptions.Builder#setNamespace}. */
  public ActorCreator<A> setNamespace(String namespace) {
    options.setNamespace(namespace);
    return this;
  }

  /** See {@link ActorOptions.Builder#setJvmOptions}. */
  /** Runs in bundle {@code bundleIndex} (-1: any) of a placement group. */
  public ActorCreator<A> setPlacementGroup(PlacementGroup group, int bundleIndex) {
    return setSchedulingStrategy(SchedulingStrategy.placementGroup(group, bundleIndex, false));
  }

  /**
   * Runs in bundle {@code bundleIndex} (-1: any) of a placement group; with {@code
   * captureChildTasks}, the tasks it submits run in the group too.
   */
  public ActorCreator<A> setPlacementGroup(
      PlacementGroup group, int bundleIndex, boolean captureChildTasks) {
    return setSchedulingStrategy(
        SchedulingStrategy.placementGroup(group, bundleIndex, captureChildTasks));
  }

  /** See {@link ActorOptions.Builder#setSchedulingStrategy}. */
  public ActorCreator<A> setSchedulingStrategy(SchedulingStrategy strategy) {
    options.setSchedulingStrategy(strategy);
    return this;
  }

  public ActorCreator<A> setJvmOptions(String... jvmOptions) {
    options.setJvmOptions(List.of(jvmOptions));
    return this;
  }

  /**
   * Creates the actor and returns its handle at once; method calls made before the actor is up are
   * queued. A name already taken fails here.
   */
  public ActorHandle<A> remote() {
    return Glint.runtime().createActor(func, args, options.build());
  }
}
