package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.runtime.serialization.ArrowCodec;
import io.glint.internal.store.SharedMemoryStore;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Arrow tables over the store's arena that hold their object (a pin) until the table's last buffer
 * is released, not until the collector finds a view: a process that reads and closes many tables (a
 * dataset's blocks) frees their memory as it goes.
 */
final class HeldArrowReads {
  private HeldArrowReads() {}

  /** The table, or null for an object in its own file (read it as any other value). */
  static Object read(ObjectStoreClient client, ArrowCodec codec, ByteString objectId) {
    if (!client.pin(List.of(objectId)).isEmpty()) {
      throw client.objectLost(objectId);
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release =
        () -> {
          if (released.compareAndSet(false, true)) {
            try {
              client.unpin(List.of(objectId));
            } catch (RuntimeException ignored) {
              // shut down meanwhile: the node daemon released everything
            }
          }
        };
    boolean kept = false;
    try {
      SharedMemoryStore.ReadableObject obj =
          client
              .store()
              .get(objectId.toByteArray(), true)
              .orElseThrow(() -> client.objectLost(objectId));
      if (!obj.inArena()) {
        return null;
      }
      Object table = codec.read(obj.payload(), null, release);
      kept = true;
      return table;
    } finally {
      if (!kept) {
        release.run();
      }
    }
  }
}
