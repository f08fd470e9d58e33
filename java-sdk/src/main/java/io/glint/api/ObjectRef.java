package io.glint.api;

import java.util.concurrent.CompletableFuture;

/**
 * A reference to an immutable object in the cluster: the future result of a task, or a value stored
 * with {@link Glint#put}. Refs are cheap to copy and may be passed to other tasks (they are
 * resolved to their values before the task runs) or stored inside other objects (they stay refs).
 *
 * <pre>{@code
 * ObjectRef<Integer> ref = Glint.task(Fns::square, 4).remote();
 * int sixteen = Glint.get(ref);
 * ref.toCompletableFuture().thenAccept(System.out::println);
 * }</pre>
 *
 * @param <T> the type of the referenced value
 */
public interface ObjectRef<T> {
  /** The object's id, as hex. */
  String id();

  /** Same as {@code Glint.get(this)}. */
  default T get() {
    return Glint.get(this);
  }

  /** Same as {@code Glint.get(this, timeoutMs)}. */
  default T get(long timeoutMs) {
    return Glint.get(this, timeoutMs);
  }

  /**
   * A future that completes with the value, or exceptionally with the {@link
   * io.glint.api.exception.RemoteFailure} that prevents it. Cancelling the future does not cancel
   * the task: use {@link Glint#cancel}.
   */
  CompletableFuture<T> toCompletableFuture();

  /**
   * Drops this process's reference to the object now rather than when the ref is garbage-collected,
   * so the object's memory is freed as soon as no task, borrower or other ref needs it. Tasks
   * already submitted with the ref keep the object until they finish. Do not use the ref
   * afterwards; releasing twice is harmless.
   *
   * <pre>{@code
   * ObjectRef<VectorSchemaRoot> block = Glint.task(Fns::load, path).remote();
   * ObjectRef<Long> rows = Glint.task(Fns::countRows, block).remote();
   * block.release(); // the running count keeps it until it is done
   * }</pre>
   */
  default void release() {}
}
