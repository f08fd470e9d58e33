package io.glint.internal.runtime.node;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A node's GPU indices with fractional sharing: whole GPUs for quantities of 1 or more, else a
 * share of one GPU. Not thread-safe: used under the {@link LeaseScheduler}'s lock.
 */
final class GpuPool {
  private static final long UNIT = 10_000;
  private final long[] free;

  GpuPool(int count) {
    free = new long[count];
    Arrays.fill(free, UNIT);
  }

  /** Indices for {@code quantity} GPUs, or null when they are not free. */
  List<Integer> allocate(double quantity) {
    if (quantity <= 0 || free.length == 0) {
      return quantity <= 0 ? List.of() : null;
    }
    long q = Math.round(quantity * UNIT);
    List<Integer> ids = new ArrayList<>();
    if (q >= UNIT) {
      long whole = q / UNIT;
      for (int i = 0; i < free.length && ids.size() < whole; i++) {
        if (free[i] == UNIT) {
          ids.add(i);
        }
      }
      if (ids.size() < whole) {
        return null;
      }
      ids.forEach(i -> free[i] = 0);
      return ids;
    }
    for (int i = 0; i < free.length; i++) {
      if (free[i] >= q) {
        free[i] -= q;
        return List.of(i);
      }
    }
    return null;
  }

  void release(List<Integer> ids, double quantity) {
    if (ids.isEmpty()) {
      return;
    }
    long q = Math.round(quantity * UNIT);
    if (q >= UNIT) {
      ids.forEach(i -> free[i] = UNIT);
    } else {
      free[ids.get(0)] += q;
    }
  }
}
