package io.glint.api;

/**
 * A prepared actor method call; finish with {@link #remote()}.
 *
 * @param <R> the method's result type ({@link Void} for methods returning nothing)
 */
public final class ActorTaskCaller<R> {
  private final ActorHandle<?> actor;
  private final Object func;
  private final Object[] args;
  private String name;

  ActorTaskCaller(ActorHandle<?> actor, Object func, Object[] args) {
    this.actor = actor;
    this.func = func;
    this.args = args;
  }

  /** A display name for this call (logs, errors). */
  public ActorTaskCaller<R> setName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("Task name must not be empty");
    }
    if (this.name != null) {
      throw new IllegalStateException(
          "ActorTaskCaller: name was already set to '" + this.name + "'; refusing '" + name + "'");
    }
    this.name = name;
    return this;
  }

  /** Sends the call and returns a reference to its future result at once. */
  public ObjectRef<R> remote() {
    return Glint.runtime().submitActorTask(actor, func, args, name);
  }
}
