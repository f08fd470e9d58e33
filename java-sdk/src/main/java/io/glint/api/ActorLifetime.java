package io.glint.api;

/**
 * How long an actor lives (Ray's {@code ActorLifetime}).
 *
 * <pre>{@code
 * Glint.actor(Counter::new).setName("counter").setLifetime(ActorLifetime.DETACHED).remote();
 * }</pre>
 */
public enum ActorLifetime {
  /** The actor ends with the job that created it (the default). */
  NON_DETACHED,
  /**
   * The actor outlives the job that created it, until {@link Glint#kill} or the cluster's end; find
   * it again by name with {@link Glint#getActor(String)}. It survives a restart of the control
   * service that keeps its state on disk or in Redis.
   */
  DETACHED
}
