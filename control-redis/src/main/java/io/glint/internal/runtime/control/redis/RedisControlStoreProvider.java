package io.glint.internal.runtime.control.redis;

import io.glint.internal.runtime.control.store.ControlStore;

/** Opens {@code redis://} and {@code rediss://} control storage. */
public final class RedisControlStoreProvider implements ControlStore.Provider {
  @Override
  public boolean accepts(String spec) {
    return spec.startsWith("redis://") || spec.startsWith("rediss://");
  }

  @Override
  public ControlStore open(String spec) {
    return RedisControlStore.open(spec);
  }
}
