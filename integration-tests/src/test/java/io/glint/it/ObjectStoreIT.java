package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.ObjectStoreStats;
import io.glint.api.exception.ObjectStoreFullException;
import io.glint.testing.TestCluster;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared-memory store: capacity, spilling, freeing, zero-copy reads. */
class ObjectStoreIT {
  static final long MB = 1 << 20;

  private static ObjectStoreStats stats() {
    return Glint.objectStoreStats().get(0);
  }

  @Test
  void onePutOf800MbIsStoredOnceAndReadByHundredTasksThroughViews() throws Exception {
    try (TestCluster c =
        TestCluster.builder().cpusPerNode(2).objectStoreMemory(2048 * MB).start()) {
      int n = 100 * 1024 * 1024; // 100M doubles = 800 MiB
      DoubleBuffer data =
          ByteBuffer.allocateDirect(n * 8).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
      for (int i = 0; i < n; i += 1024) {
        data.put(i, i);
      }
      long createdBefore = stats().objectsCreatedTotal();
      ObjectRef<DoubleBuffer> ref = Glint.put(data);
      assertThat(stats().objectsCreatedTotal()).isEqualTo(createdBefore + 1);

      List<ObjectRef<StoreFns.View>> views = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        views.add(Glint.task(StoreFns::inspect, ref).remote());
      }
      List<StoreFns.View> seen = Glint.get(views, 600_000);
      double expected = 0;
      for (int i = 0; i < n; i += 1024) {
        expected += i;
      }
      double sample = expected;
      String objectFile = ref.id();
      assertThat(seen)
          .hasSize(100)
          .allSatisfy(
              v -> {
                assertThat(v.readOnly()).isTrue();
                assertThat(v.direct()).isTrue();
                assertThat(v.backingFile())
                    .as("a view of the store's mapping, not a copy")
                    .contains("/glint-session")
                    .endsWith(objectFile);
                assertThat(v.capacity()).isEqualTo(n);
                assertThat(v.sample()).isEqualTo(sample);
              });
      // Serialized and stored once: the 100 tasks created no further objects.
      assertThat(stats().objectsCreatedTotal()).isEqualTo(createdBefore + 1);

      // In the driver, a get is a read-only view of the mapping too, and two gets share it.
      DoubleBuffer back = Glint.get(ref);
      assertThat(back.isReadOnly()).isTrue();
      assertThat(back.get(1024 * 7)).isEqualTo(1024 * 7);
      assertThat(StoreFns.mappedFile(MemorySegment.ofBuffer(back).address())).endsWith(objectFile);
      assertThat(MemorySegment.ofBuffer(Glint.get(ref)).address())
          .isEqualTo(MemorySegment.ofBuffer(back).address());
    }
  }

  @Test
  void aWorkloadOfThreeTimesTheCapacitySpillsAndEveryObjectStaysReadable() {
    long capacity = 64 * MB;
    try (TestCluster c = TestCluster.builder().cpusPerNode(2).objectStoreMemory(capacity).start()) {
      List<ObjectRef<byte[]>> refs = new ArrayList<>();
      for (int i = 0; i < 24; i++) { // 24 x 8 MiB = 3x the store
        refs.add(Glint.put(StoreFns.bytes((int) (8 * MB), (byte) i)));
      }
      ObjectStoreStats s = stats();
      assertThat(s.peakUsedBytes()).isLessThanOrEqualTo(capacity);
      assertThat(s.spilledBytesTotal()).isGreaterThan(0);
      assertThat(s.objectCount()).isEqualTo(24);
      // Every object is readable: by the driver, and by tasks (restored and pinned for them).
      for (int i = 0; i < 24; i++) {
        assertThat(Glint.get(refs.get(i))[0]).isEqualTo((byte) i);
      }
      List<ObjectRef<Integer>> firsts = new ArrayList<>();
      for (ObjectRef<byte[]> r : refs) {
        firsts.add(Glint.task(StoreFns::firstByte, r).remote());
      }
      List<Integer> got = Glint.get(firsts, 120_000);
      for (int i = 0; i < 24; i++) {
        assertThat(got.get(i)).isEqualTo(i);
      }
      ObjectStoreStats after = stats();
      assertThat(after.restoredBytesTotal()).isGreaterThan(0);
      assertThat(after.peakUsedBytes()).isLessThanOrEqualTo(capacity);
      assertThat(after.evictionsTotal()).isGreaterThan(0);
    }
  }

  @Test
  void objectsAreFreedOnceUnreferenced() throws Exception {
    try (TestCluster c = TestCluster.builder().cpusPerNode(2).objectStoreMemory(256 * MB).start()) {
      long baseline = stats().objectCount();
      List<ObjectRef<byte[]>> refs = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        refs.add(Glint.put(StoreFns.bytes((int) MB, (byte) 1)));
        refs.add(Glint.task(StoreFns::bytes, (int) MB, (byte) 2).remote()); // stored by a worker
      }
      Glint.get(refs);
      assertThat(stats().objectCount()).isEqualTo(baseline + 16);
      refs.clear();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (stats().objectCount() > baseline && System.nanoTime() < deadline) {
        System.gc();
        Thread.sleep(50);
      }
      assertThat(stats().objectCount()).isEqualTo(baseline);
      assertThat(stats().objects()).isEmpty();
    }
  }

  @Test
  void aViewKeepsItsBytesAfterItsRefIsGoneAndTheStoreIsReused() throws Exception {
    try (TestCluster c = TestCluster.builder().cpusPerNode(1).objectStoreMemory(64 * MB).start()) {
      int n = 1 << 20; // 8 MiB of doubles
      DoubleBuffer view = Glint.get(Glint.put(doubles(n, 1)));
      // The ref is gone: once the GC notices, the object is freed, but the view still holds it.
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!stats().objects().isEmpty() && System.nanoTime() < deadline) {
        System.gc();
        Thread.sleep(50);
      }
      assertThat(stats().objects()).as("freed: no ref is left").isEmpty();
      assertThat(stats().usedBytes()).as("its memory is still held").isGreaterThan(8 * MB);
      List<ObjectRef<DoubleBuffer>> others = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        others.add(Glint.put(doubles(n, -1))); // would reuse the range were it released
      }
      for (int i = 0; i < n; i += 4096) {
        assertThat(view.get(i)).isEqualTo(i);
      }
      others.clear();
      view = null;
      deadline = System.nanoTime() + 30_000_000_000L;
      while (stats().usedBytes() > 0 && System.nanoTime() < deadline) {
        System.gc();
        Thread.sleep(50);
      }
      assertThat(stats().usedBytes()).as("released with the last view").isZero();
    }
  }

  private static DoubleBuffer doubles(int n, double scale) {
    DoubleBuffer d =
        ByteBuffer.allocateDirect(n * 8).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
    for (int i = 0; i < n; i++) {
      d.put(i, i * scale);
    }
    return d;
  }

  @Test
  void aPutThatCanNeverFitFailsNamingTheSizes() {
    try (TestCluster c = TestCluster.builder().cpusPerNode(1).objectStoreMemory(16 * MB).start()) {
      assertThatThrownBy(() -> Glint.put(new byte[(int) (32 * MB)]))
          .isInstanceOfSatisfying(
              ObjectStoreFullException.class,
              e -> {
                assertThat(e.requestedBytes()).isGreaterThan(32 * MB);
                assertThat(e.getMessage())
                    .contains("store of 16.0 MiB")
                    .contains("glint.objectStoreMemory");
              });
      ByteBuffer small = ByteBuffer.allocate((int) MB);
      assertThat(Glint.get(Glint.task(StoreFns::sumOf, Glint.put(small)).remote())).isZero();
      assertThat(stats().capacityBytes()).isEqualTo(16 * MB);
    }
  }
}
