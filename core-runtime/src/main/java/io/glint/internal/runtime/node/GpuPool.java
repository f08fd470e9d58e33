package io.glint.internal.runtime.node;

import java.util.ArrayList;
import java.util.List;

/**
 * GPU indices with fractional sharing: whole GPUs for quantities of 1 or more, else a share of one
 * GPU. A node has one pool over all its GPUs; each committed placement group bundle with GPUs has a
 * pool over the GPUs (or the share of one) it reserved, so work in the bundle gets the bundle's
 * indices. Not thread-safe: used under the {@link LeaseScheduler}'s lock.
 */
final class GpuPool {
  private static final long UNIT = 10_000;
  private final int[] ids;
  private final long[] capacity;
  private final long[] free;

  /** The node's pool: GPUs {@code 0..count-1}, whole. */
  GpuPool(int count) {
    this(range(count), 1.0);
  }

  /** A pool over {@code ids}, each holding {@code share} of a GPU (1: whole GPUs). */
  GpuPool(List<Integer> ids, double share) {
    this.ids = ids.stream().mapToInt(Integer::intValue).toArray();
    this.capacity = new long[this.ids.length];
    this.free = new long[this.ids.length];
    java.util.Arrays.fill(capacity, Math.round(Math.min(share, 1.0) * UNIT));
    System.arraycopy(capacity, 0, free, 0, capacity.length);
  }

  private static List<Integer> range(int count) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(i);
    }
    return out;
  }

  /** Indices for {@code quantity} GPUs, or null when they are not free. */
  List<Integer> allocate(double quantity) {
    if (quantity <= 0) {
      return List.of();
    }
    long q = Math.round(quantity * UNIT);
    List<Integer> out = new ArrayList<>();
    if (q >= UNIT) {
      long whole = q / UNIT;
      List<Integer> slots = new ArrayList<>();
      for (int i = 0; i < ids.length && slots.size() < whole; i++) {
        if (capacity[i] == UNIT && free[i] == UNIT) {
          slots.add(i);
        }
      }
      if (slots.size() < whole) {
        return null;
      }
      for (int i : slots) {
        free[i] = 0;
        out.add(ids[i]);
      }
      return out;
    }
    for (int i = 0; i < ids.length; i++) {
      if (free[i] >= q) {
        free[i] -= q;
        return List.of(ids[i]);
      }
    }
    return null;
  }

  void release(List<Integer> released, double quantity) {
    if (released.isEmpty()) {
      return;
    }
    long q = Math.round(quantity * UNIT);
    for (int i = 0; i < ids.length; i++) {
      if (!released.contains(ids[i])) {
        continue;
      }
      free[i] = q >= UNIT ? capacity[i] : Math.min(capacity[i], free[i] + q);
      if (q < UNIT) {
        return;
      }
    }
  }
}
