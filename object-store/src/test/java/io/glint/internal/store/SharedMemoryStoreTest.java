package io.glint.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedMemoryStoreTest {
  @TempDir Path tmp;

  @Test
  void sealedObjectIsReadableFromAnotherAttachment() {
    try (SharedMemoryStore owner = SharedMemoryStore.createOwned(tmp.resolve("store"));
        SharedMemoryStore reader = SharedMemoryStore.attach(tmp.resolve("store"))) {
      byte[] id = {1, 2, 3};
      var w = owner.create(id, 8, (byte) 3);
      assertThat(reader.get(id)).isEmpty(); // not visible before seal
      w.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
      w.seal();
      try (var r = reader.get(id).orElseThrow()) {
        assertThat(r.format()).isEqualTo((byte) 3);
        assertThat(r.size()).isEqualTo(8);
        assertThat(r.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(42L);
        assertThat(r.payload().isReadOnly()).isTrue();
      }
      assertThat(owner.objectCount()).isEqualTo(1);
    }
  }

  @Test
  void objectsAreImmutable() {
    try (SharedMemoryStore store = SharedMemoryStore.createOwned(tmp.resolve("s"))) {
      byte[] id = {9};
      store.put(id, (byte) 1, new byte[] {1, 2}, 0, 2);
      assertThatThrownBy(() -> store.create(id, 4, (byte) 1))
          .isInstanceOf(SharedMemoryStore.ObjectExistsException.class)
          .hasMessageContaining("immutable");
    }
  }

  @Test
  void deleteKeepsExistingMappingsValidAndCloseRemovesDirectory() {
    Path dir = tmp.resolve("d");
    SharedMemoryStore store = SharedMemoryStore.createOwned(dir);
    byte[] id = {7};
    store.put(id, (byte) 1, new byte[] {5, 6, 7}, 0, 3);
    var view = store.get(id).orElseThrow();
    assertThat(store.delete(id)).isTrue();
    assertThat(view.payload().get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 7);
    view.close();
    assertThat(store.get(id)).isEmpty();
    store.close();
    assertThat(Files.exists(dir)).isFalse();
  }

  @Test
  void anObjectInTheArenaIsReadThroughItsLinkFromEveryAttachment() throws Exception {
    Path dir = tmp.resolve("arena");
    try (SharedMemoryStore owner = SharedMemoryStore.createOwned(dir)) {
      try (var f =
          new java.io.RandomAccessFile(dir.resolve(SharedMemoryStore.ARENA_FILE).toFile(), "rw")) {
        f.setLength(1 << 20);
      }
      SharedMemoryStore writer = SharedMemoryStore.attach(dir);
      SharedMemoryStore reader = SharedMemoryStore.attach(dir);
      try (var w =
          writer.openPrepared(dir.resolve(SharedMemoryStore.ARENA_FILE), 4096, 8, (byte) 4)) {
        w.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 7L);
        w.seal();
      }
      Files.createSymbolicLink(
          dir.resolve("0a"), Path.of(SharedMemoryStore.ARENA_LINK_PREFIX + 4096));
      try (var r = reader.get(new byte[] {10}).orElseThrow()) {
        assertThat(r.inArena()).isTrue();
        assertThat(r.format()).isEqualTo((byte) 4);
        assertThat(r.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(7L);
        assertThat(r.payload().isReadOnly()).isTrue();
        assertThat(r.payload().address()).isEqualTo(reader.arena().address() + 4096 + 16);
      }
      assertThat(owner.objectCount()).isEqualTo(1);
      assertThat(reader.contains(new byte[] {10})).isTrue();
    }
  }

  @Test
  void aStoreLargerThanDevShmGoesToTheTempDirectory() {
    Path tmpDir = Path.of(System.getProperty("java.io.tmpdir"));
    assertThat(SharedMemoryStore.defaultRoot(Long.MAX_VALUE)).isEqualTo(tmpDir);
    if (Files.isDirectory(Path.of("/dev/shm")) && Files.isWritable(Path.of("/dev/shm"))) {
      assertThat(SharedMemoryStore.defaultRoot(1 << 20)).isEqualTo(Path.of("/dev/shm"));
    }
    assertThat(SharedMemoryStore.candidateRoots()).contains(tmpDir);
  }

  @Test
  void abortedObjectLeavesNothingBehind() {
    try (SharedMemoryStore store = SharedMemoryStore.createOwned(tmp.resolve("a"))) {
      var w = store.create(new byte[] {1}, 100, (byte) 1);
      w.abort();
      assertThat(store.objectCount()).isZero();
      assertThat(store.usedBytes()).isZero();
    }
  }
}
