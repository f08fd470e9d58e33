package io.glint.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectStoreManagerTest {
  static final long MB = 1 << 20;
  @TempDir Path tmp;
  ObjectStoreManager m;
  SharedMemoryStore reader;

  @BeforeEach
  void setUp() {
    m =
        new ObjectStoreManager(
            new ObjectStoreManager.Options(
                tmp.resolve("mem"), tmp.resolve("spill"), 10 * MB, 5 * MB));
    reader = SharedMemoryStore.attach(tmp.resolve("mem"));
  }

  private void put(int id, long size, byte fill) {
    var r =
        (ObjectStoreManager.CreateResult.Ready)
            m.tryCreate(new byte[] {(byte) id}, size, new byte[0]);
    try (var w = SharedMemoryStore.openPrepared(r.path(), size, (byte) 3)) {
      w.payload().fill(fill);
      w.seal();
    }
    m.seal(new byte[] {(byte) id});
  }

  private byte read(int id) {
    try (var o = reader.get(new byte[] {(byte) id}).orElseThrow()) {
      return o.payload().get(ValueLayout.JAVA_BYTE, o.size() - 1);
    }
  }

  @Test
  void spillsLeastRecentlyUsedAndRestoresOnPin() {
    put(1, 4 * MB, (byte) 1);
    put(2, 4 * MB, (byte) 2);
    m.pin(List.of(new byte[] {1})); // 1 is now the most recently used and held
    put(3, 4 * MB, (byte) 3); // needs room: 2 is spilled, not the pinned 1
    assertThat(m.entry(new byte[] {2}).state()).isEqualTo(ObjectStoreManager.State.SPILLED);
    assertThat(m.usedBytes()).isLessThanOrEqualTo(m.capacityBytes());
    assertThat(reader.get(new byte[] {2})).isEmpty();
    m.unpin(List.of(new byte[] {1}));
    assertThat(m.pin(List.of(new byte[] {2}))).isEmpty(); // restored, spilling 1
    assertThat(read(2)).isEqualTo((byte) 2);
    assertThat(m.spilledBytesTotal()).isGreaterThanOrEqualTo(8 * MB);
    assertThat(m.restoredBytesTotal()).isGreaterThanOrEqualTo(4 * MB);
    assertThat(m.peakUsedBytes()).isLessThanOrEqualTo(m.capacityBytes());
  }

  @Test
  void refusesWhatCanNeverFitAndWaitsWhenEverythingIsHeld() {
    assertThat(m.tryCreate(new byte[] {9}, 11 * MB, new byte[0]))
        .isInstanceOfSatisfying(
            ObjectStoreManager.CreateResult.TooLarge.class,
            t ->
                assertThat(t.why())
                    .contains(Long.toString(11 * MB))
                    .contains(Long.toString(10 * MB)));
    put(1, 6 * MB, (byte) 1);
    m.pin(List.of(new byte[] {1}));
    assertThat(m.tryCreate(new byte[] {2}, 6 * MB, new byte[0]))
        .isInstanceOf(ObjectStoreManager.CreateResult.Wait.class);
    m.unpin(List.of(new byte[] {1}));
    assertThat(m.tryCreate(new byte[] {2}, 6 * MB, new byte[0]))
        .isInstanceOf(ObjectStoreManager.CreateResult.Ready.class);
  }

  @Test
  void freedFilesAreReusedForTheNextObject() throws Exception {
    put(1, 2 * MB, (byte) 1);
    assertThat(m.delete(new byte[] {1})).isTrue();
    assertThat(m.recycledBytes()).isEqualTo(2 * MB + SharedMemoryStore.HEADER_BYTES);
    assertThat(m.objectCount()).isZero();
    put(2, 2 * MB - 100, (byte) 2);
    assertThat(m.recycledBytes()).isZero();
    assertThat(read(2)).isEqualTo((byte) 2);
    try (var files = Files.list(tmp.resolve("mem"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("02");
    }
  }

  @Test
  void deletingASpilledObjectRemovesItsFile() {
    put(1, 6 * MB, (byte) 1);
    put(2, 6 * MB, (byte) 2);
    assertThat(m.entry(new byte[] {1}).state()).isEqualTo(ObjectStoreManager.State.SPILLED);
    m.delete(new byte[] {1});
    assertThat(tmp.resolve("spill").resolve("01")).doesNotExist();
    assertThatThrownBy(() -> m.seal(new byte[] {1})).hasMessageContaining("not being created");
  }
}
