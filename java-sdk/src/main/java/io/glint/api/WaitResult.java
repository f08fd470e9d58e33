package io.glint.api;

import java.util.List;

/**
 * The result of {@link Glint#wait}: the refs whose objects are ready, and the rest, each list in
 * the order the refs were given.
 *
 * @param <T> the type of the referenced values
 */
public final class WaitResult<T> {
  private final List<ObjectRef<T>> ready;
  private final List<ObjectRef<T>> unready;

  public WaitResult(List<ObjectRef<T>> ready, List<ObjectRef<T>> unready) {
    this.ready = List.copyOf(ready);
    this.unready = List.copyOf(unready);
  }

  /** Refs whose objects are available. */
  public List<ObjectRef<T>> getReady() {
    return ready;
  }

  /** Refs still pending. */
  public List<ObjectRef<T>> getUnready() {
    return unready;
  }

  @Override
  public String toString() {
    return "WaitResult{ready=" + ready.size() + ", unready=" + unready.size() + "}";
  }
}
