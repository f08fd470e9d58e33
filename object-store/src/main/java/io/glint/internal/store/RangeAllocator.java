package io.glint.internal.store;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * First-fit allocation of byte ranges in the store's arena, lowest address first. Free ranges are
 * coalesced on release. Keeping objects low keeps the arena's touched memory small: freed ranges
 * (whose pages are already faulted in and mapped by the processes that used them) are reused before
 * memory above the high-water mark is touched, which costs page faults, and on a VM sometimes far
 * more than the copy itself.
 *
 * <p>Not thread-safe: the store manager calls it under the node daemon's lock.
 */
final class RangeAllocator {
  /** Offsets and sizes are multiples of this (a cache line, enough for Arrow's alignment). */
  static final long ALIGNMENT = 64;

  private final long capacity;
  private final TreeMap<Long, Long> freeByOffset = new TreeMap<>();
  private final TreeMap<Long, TreeSet<Long>> freeBySize = new TreeMap<>();
  private long freeBytes;
  private long highWater;

  RangeAllocator(long capacity) {
    this.capacity = capacity - capacity % ALIGNMENT;
    if (this.capacity > 0) {
      addFree(0, this.capacity);
    }
    this.freeBytes = this.capacity;
  }

  static long align(long bytes) {
    return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  /** The offset of a free range of {@code size} bytes (aligned by the caller), or -1. */
  long allocate(long size) {
    if (size <= 0 || size % ALIGNMENT != 0) {
      throw new IllegalArgumentException("size must be a positive multiple of " + ALIGNMENT);
    }
    if (largestFree() < size) {
      return -1;
    }
    long offset = -1;
    long blockSize = 0;
    for (Map.Entry<Long, Long> e : freeByOffset.entrySet()) {
      if (e.getValue() >= size) {
        offset = e.getKey();
        blockSize = e.getValue();
        break;
      }
    }
    removeFree(offset, blockSize);
    if (blockSize > size) {
      addFree(offset + size, blockSize - size);
    }
    freeBytes -= size;
    highWater = Math.max(highWater, offset + size);
    return offset;
  }

  /** Returns a range obtained from {@link #allocate}, merging it with free neighbours. */
  void release(long offset, long size) {
    long start = offset;
    long end = offset + size;
    Map.Entry<Long, Long> before = freeByOffset.floorEntry(offset);
    if (before != null && before.getKey() + before.getValue() > offset) {
      throw new IllegalStateException("range " + offset + "+" + size + " is already free");
    }
    if (before != null && before.getKey() + before.getValue() == offset) {
      start = before.getKey();
      removeFree(before.getKey(), before.getValue());
    }
    Long afterSize = freeByOffset.get(end);
    if (afterSize != null) {
      removeFree(end, afterSize);
      end += afterSize;
    }
    addFree(start, end - start);
    freeBytes += size;
  }

  long freeBytes() {
    return freeBytes;
  }

  long capacity() {
    return capacity;
  }

  /** The end of the highest range ever handed out: memory below it has been faulted in. */
  long highWater() {
    return highWater;
  }

  long largestFree() {
    return freeBySize.isEmpty() ? 0 : freeBySize.lastKey();
  }

  private void addFree(long offset, long size) {
    freeByOffset.put(offset, size);
    freeBySize.computeIfAbsent(size, k -> new TreeSet<>()).add(offset);
  }

  private void removeFree(long offset, long size) {
    freeByOffset.remove(offset);
    TreeSet<Long> s = freeBySize.get(size);
    s.remove(offset);
    if (s.isEmpty()) {
      freeBySize.remove(size);
    }
  }
}
