package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.ObjectLocation;
import io.glint.internal.proto.ObjectReference;
import io.glint.internal.proto.ObjectStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The objects this process owns (results of tasks it submitted, values it put) and who still
 * references them. An object is freed when none of these remain:
 *
 * <ul>
 *   <li>an {@code ObjectRef} instance in this process (found dropped by the GC);
 *   <li>a pending task that has the ref among its arguments, at top level or nested in a value;
 *   <li>a borrower: another process holding a ref it read, or an object whose value contains the
 *       ref (see {@link #updateBorrow});
 *   <li>a copy of the ref encoded with no one to track it ("escaped": kept until the job ends; the
 *       runtime's own cross-language paths track their refs instead, see {@code
 *       XlangCodec#encode(Object, List)}).
 * </ul>
 *
 * <p>When an object whose value contains refs is freed, the borrows it held on them are released
 * ({@code releaseContained}).
 */
final class ObjectTable {
  static final class Entry {
    final ByteString id;

    /** Replaced (by {@link #restart}) while a lost copy is being rebuilt. */
    private volatile CompletableFuture<ObjectStatus> status = new CompletableFuture<>();

    private int localRefs;
    private int taskRefs;
    private boolean escaped;
    private boolean freed;

    /** Borrower to {latest start epoch, latest stop epoch}; it holds while start > stop. */
    private Map<String, long[]> borrowers;

    private int activeBorrowers;

    /** Refs inside this object's value, whose borrows are released when it is freed. */
    private List<ObjectReference> contained = List.of();

    /** The task producing this object, while it is pending (for cancel and diagnostics). */
    volatile NormalTaskSubmitter.PendingTask producer;

    /** The task that made this stored object, kept to rebuild it if its copy is lost. */
    volatile NormalTaskSubmitter.PendingTask lineage;

    Entry(ByteString id) {
      this.id = id;
    }

    /** The object's status: completes when it is ready (again, after a restart). */
    CompletableFuture<ObjectStatus> status() {
      return status;
    }

    /**
     * Starts over an object whose stored copy was lost, when {@code lost} is still its status:
     * waiters from now on wait for the rebuilt object. False when it was restarted already.
     */
    synchronized boolean restart(CompletableFuture<ObjectStatus> lost) {
      if (status != lost || !lost.isDone() || freed) {
        return false;
      }
      status = new CompletableFuture<>();
      return true;
    }

    /** Ends a restarted (or lost) object with {@code s} in place of the lost status. */
    synchronized void replace(CompletableFuture<ObjectStatus> lost, ObjectStatus s) {
      if (status == lost && lost.isDone()) {
        status = CompletableFuture.completedFuture(s);
      } else {
        status.complete(s);
      }
    }
  }

  /** Every object this process owns now. */
  java.util.Collection<Entry> entries() {
    return entries.values();
  }

  private final ConcurrentHashMap<ByteString, Entry> entries = new ConcurrentHashMap<>();
  private final BiConsumer<ByteString, ObjectLocation> freeStoredCopy;
  private final BiConsumer<ByteString, List<ObjectReference>> releaseContained;

  /**
   * @param freeStoredCopy drops an object's copy in a store
   * @param releaseContained releases the borrows the object (first argument) holds on the refs in
   *     its value
   */
  ObjectTable(
      BiConsumer<ByteString, ObjectLocation> freeStoredCopy,
      BiConsumer<ByteString, List<ObjectReference>> releaseContained) {
    this(freeStoredCopy, releaseContained, null);
  }

  /**
   * @param selfWorkerHex this process's worker id: borrows by objects it owns ({@code
   *     c:<object>@<self>}) are not counted in {@link #remoteBorrows()}
   */
  ObjectTable(
      BiConsumer<ByteString, ObjectLocation> freeStoredCopy,
      BiConsumer<ByteString, List<ObjectReference>> releaseContained,
      String selfWorkerHex) {
    this.freeStoredCopy = freeStoredCopy;
    this.releaseContained = releaseContained;
    this.ownedSuffix = selfWorkerHex == null ? null : "@" + selfWorkerHex;
  }

  private final String ownedSuffix;

  /** Whether a borrower lives in (or is owned by) another process. */
  private boolean remote(String borrower) {
    return ownedSuffix == null || !borrower.endsWith(ownedSuffix);
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
   * Records the object's final state and the refs inside its value. A copy in the store of an
   * already freed object is dropped, and so are the borrows its value holds.
   */
  void complete(ByteString id, ObjectStatus status, List<ObjectReference> contained) {
    Entry e = entries.get(id);
    if (e == null) {
      if (status.hasLocation()) {
        freeStoredCopy.accept(id, status.getLocation());
      }
      if (!contained.isEmpty()) {
        releaseContained.accept(id, contained);
      }
      return;
    }
    if (status.hasLocation() && e.producer != null) {
      e.lineage = e.producer;
    }
    e.producer = null;
    boolean freeNow;
    synchronized (e) {
      freeNow = e.freed;
      if (!freeNow) {
        e.contained = List.copyOf(contained);
      }
    }
    e.status().complete(status);
    if (freeNow) {
      if (status.hasLocation()) {
        freeStoredCopy.accept(id, status.getLocation());
      }
      if (!contained.isEmpty()) {
        releaseContained.accept(id, contained);
      }
    }
  }

  void complete(ByteString id, ObjectStatus status) {
    complete(id, status, List.of());
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

  /**
   * A borrower starts ({@code released} false) or stops holding the object, in its {@code epoch}.
   * Updates may arrive in any order: the borrower holds the object while the newest start it sent
   * is newer than the newest stop. Unknown (already freed) objects are ignored.
   */
  void updateBorrow(ByteString id, String borrower, long epoch, boolean released) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      if (e.freed) {
        return;
      }
      if (e.borrowers == null) {
        e.borrowers = new HashMap<>();
      }
      long[] b = e.borrowers.computeIfAbsent(borrower, k -> new long[2]);
      boolean wasHolding = b[0] > b[1];
      if (released) {
        b[1] = Math.max(b[1], epoch);
      } else {
        b[0] = Math.max(b[0], epoch);
      }
      boolean holding = b[0] > b[1];
      int delta = (holding ? 1 : 0) - (wasHolding ? 1 : 0);
      e.activeBorrowers += delta;
      if (delta != 0 && remote(borrower)) {
        remoteBorrows.addAndGet(delta);
      }
      if (b[0] == b[1]) {
        // Both the start and the stop of its latest epoch arrived: nothing more will come for it.
        e.borrowers.remove(borrower);
      }
    }
    maybeFree(e);
  }

  /**
   * A worker process died: it holds nothing any more (as {@code w:<worker>}), nor do the objects it
   * owned ({@code c:<object>@<worker>}), and no late update of them can bring a hold back.
   */
  void releaseBorrowersOf(String workerHex) {
    String process = "w:" + workerHex;
    String owned = "@" + workerHex;
    for (Entry e : entries.values()) {
      boolean changed = false;
      synchronized (e) {
        if (e.borrowers == null || e.freed) {
          continue;
        }
        for (Map.Entry<String, long[]> en : e.borrowers.entrySet()) {
          String borrower = en.getKey();
          if (!borrower.equals(process) && !borrower.endsWith(owned)) {
            continue;
          }
          long[] b = en.getValue();
          if (b[0] > b[1]) {
            e.activeBorrowers--;
            if (remote(borrower)) {
              remoteBorrows.decrementAndGet();
            }
            changed = true;
          }
          b[1] = Long.MAX_VALUE;
        }
      }
      if (changed) {
        maybeFree(e);
      }
    }
  }

  /**
   * Holds of objects here by other processes or by objects they own, over all objects: while there
   * are any, the owner watches for worker deaths.
   */
  int remoteBorrows() {
    return remoteBorrows.get();
  }

  private final java.util.concurrent.atomic.AtomicInteger remoteBorrows =
      new java.util.concurrent.atomic.AtomicInteger();

  /** How many borrowers hold the object now (for stats and tests). */
  int borrowers(ByteString id) {
    Entry e = entries.get(id);
    if (e == null) {
      return 0;
    }
    synchronized (e) {
      return e.activeBorrowers;
    }
  }

  /** A copy of the ref went to another language: keep the object for the job's life. */
  void markEscaped(ByteString id) {
    Entry e = entries.get(id);
    if (e != null) {
      synchronized (e) {
        e.escaped = true;
      }
    }
  }

  private void maybeFree(Entry e) {
    List<ObjectReference> contained;
    synchronized (e) {
      if (e.freed || e.localRefs > 0 || e.taskRefs > 0 || e.activeBorrowers > 0 || e.escaped) {
        return;
      }
      e.freed = true;
      contained = e.contained;
      e.contained = List.of();
    }
    entries.remove(e.id, e);
    ObjectStatus s = e.status().getNow(null);
    if (s != null && s.hasLocation()) {
      freeStoredCopy.accept(e.id, s.getLocation());
    }
    if (!contained.isEmpty()) {
      releaseContained.accept(e.id, contained);
    }
  }
}
