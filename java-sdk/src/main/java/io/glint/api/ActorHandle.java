package io.glint.api;

/**
 * A handle to an actor: a stateful object living in its own worker process. Call its methods with
 * {@code handle.task(Counter::increment).remote()}; calls from one caller run in order, one at a
 * time unless the actor was created with {@link ActorCreator#setMaxConcurrency}. Handles can be
 * passed to tasks and other actors.
 *
 * <pre>{@code
 * ActorHandle<Counter> counter = Glint.actor(Counter::new).remote();
 * counter.task(Counter::increment).remote();
 * counter.task(Counter::increment).remote();
 * int two = Glint.get(counter.task(Counter::get).remote());
 * }</pre>
 *
 * @param <A> the actor's class
 */
public interface ActorHandle<A> extends ActorCall<A> {
  /** The actor's id, as hex. */
  String id();

  /** Prepares a call of a Python actor's method; finish with {@code .remote()}. */
  default <R> ActorTaskCaller<R> task(PyActorMethod<R> method, Object... args) {
    return new ActorTaskCaller<>(this, method, args.clone());
  }

  /** Kills the actor without restarting it. Same as {@code Glint.kill(this)}. */
  default void kill() {
    Glint.kill(this);
  }
}
