package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.ObjectLocation;
import io.glint.internal.proto.ObjectStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The objects this process owns (results of tasks it submitted, values it put) and who still
 * references them. An object is freed when no {@code ObjectRef} instance in this process, no
 * pending task argument, and no copy of the ref outside this process (an "escaped" ref, pinned
 * until the job ends) refers to it.
 */
final class ObjectTable {
  static final class Entry {
    final ByteString id;
    final CompletableFuture<ObjectStatus> status = new CompletableFuture<>();
    private int localRefs;
    private int taskRefs;
    private boolean escaped;
    private boolean freed;

    /** The task producing this object, while it is pending (for cancel and diagnostics). */
    volatile NormalTaskSubmitter.PendingTask producer;

    Entry(ByteString id) {
      this.id = id;
    }
  }

  private final ConcurrentHashMap<ByteString, Entry> entries = new ConcurrentHashMap<>();
  private final BiConsumer<ByteString, ObjectLocation> freeStoredCopy;

  ObjectTable(BiConsumer<ByteString, ObjectLocation> freeStoredCopy) {
    this.freeStoredCopy = freeStoredCopy;
  }

  Entry create(ByteString id) {
    Entry e = new Entry(id);
    Entry prev = entries.putIfAbsent(id, e);
    return prev != null ? prev : e;
  }

  Entry get(ByteString id) {
    return entries.get(id);
  }

  boolean owns(ByteString id) {
    return entries.containsKey(id);
  }

  int size() {
    return entries.size();
  }

  /**
   * Records the object's final state. A copy in the store of an already freed object is dropped.
   */
  void complete(ByteString id, ObjectStatus status) {
    Entry e = entries.get(id);
    if (e == null) {
      if (status.hasLocation()) {
        freeStoredCopy.accept(id, status.getLocation());
      }
      return;
    }
    e.producer = null;
    e.status.complete(status);
    boolean freeNow;
    synchronized (e) {
      freeNow = e.freed;
    }
    if (freeNow && status.hasLocation()) {
      freeStoredCopy.accept(id, status.getLocation());
    }
  }

  void addLocalRef(ByteString id) {
    Entry e = entries.get(id);
    if (e != null) {
      synchronized (e) {
        e.localRefs++;
      }
    }
  }

  void removeLocalRef(ByteString id) {
    Entry e = entries.get(id);
    if (e != null) {
      synchronized (e) {
        e.localRefs--;
      }
      maybeFree(e);
    }
  }

  void addTaskRef(ByteString id) {
    Entry e = entries.get(id);
    if (e != null) {
      synchronized (e) {
        e.taskRefs++;
      }
    }
  }

  void removeTaskRef(ByteString id) {
    Entry e = entries.get(id);
    if (e != null) {
      synchronized (e) {
        e.taskRefs--;
      }
      maybeFree(e);
    }
  }

  /** A copy of the ref left this process inside a value: keep the object for the job's life. */
  void markEscaped(ByteString id) {
    Entry e = entries.get(id);
    if (e != null) {
      synchronized (e) {
        e.escaped = true;
      }
    }
  }

  private void maybeFree(Entry e) {
    synchronized (e) {
      if (e.freed || e.localRefs > 0 || e.taskRefs > 0 || e.escaped) {
        return;
      }
      e.freed = true;
    }
    entries.remove(e.id, e);
    ObjectStatus s = e.status.getNow(null);
    if (s != null && s.hasLocation()) {
      freeStoredCopy.accept(e.id, s.getLocation());
    }
  }
}
