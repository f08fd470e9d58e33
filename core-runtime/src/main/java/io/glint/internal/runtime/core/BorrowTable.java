package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.BorrowUpdate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Refs to objects that other processes own, held in this process: the borrower half of reference
 * counting (the owner half is {@link ObjectTable}).
 *
 * <p>The first ref instance of an object read here (from a task argument, a {@code get}, ...)
 * starts a borrow, registered with the owner before the read returns, while whatever protected the
 * object during the read (the submitter's pending task, the containing object) still holds. When
 * the GC has collected the last instance, and nothing else here pins the object, the borrow stops
 * and the owner is told in the background. Each borrow has a new epoch (one counter for the
 * process), so the owner can order a start and a stop that arrive out of order.
 */
final class BorrowTable {
  /** Sends updates to an owner; synchronously when asked (the caller waits for the answer). */
  interface Sender {
    void send(Address owner, List<BorrowUpdate> updates, boolean sync);
  }

  private static final class Borrow {
    final Address owner;
    int holds;
    long epoch;

    Borrow(Address owner) {
      this.owner = owner;
    }
  }

  private record Update(Address owner, BorrowUpdate update) {}

  private final ConcurrentHashMap<ByteString, Borrow> borrows = new ConcurrentHashMap<>();
  private final AtomicLong epochs = new AtomicLong();
  private final String key;
  private final Sender sender;

  /** A thread's reads under way (nested reads count) and the borrows they started. */
  private static final class Reading {
    int depth;
    final List<Update> started = new ArrayList<>();
  }

  private final ThreadLocal<Reading> reading = ThreadLocal.withInitial(Reading::new);
  private final LinkedBlockingQueue<Update> stops = new LinkedBlockingQueue<>();
  private final Thread stopSender;
  private volatile boolean closed;

  /**
   * @param workerIdHex this process's worker id: borrows are registered as {@code "w:" + hex}
   */
  BorrowTable(String workerIdHex, Sender sender) {
    this.key = "w:" + workerIdHex;
    this.sender = sender;
    this.stopSender =
        Thread.ofPlatform().daemon().name("glint-borrow-stops").start(this::sendStops);
  }

  /** The borrower name of this process. */
  String key() {
    return key;
  }

  /**
   * A ref instance of a foreign object was created here. Starts a borrow when it is the first;
   * registered at the end of the current read ({@link #beginRead}), or now outside of one.
   */
  void acquire(ByteString id, Address owner) {
    Update start = hold(id, owner);
    if (start == null) {
      return;
    }
    Reading r = reading.get();
    if (r.depth > 0) {
      r.started.add(start);
    } else {
      sender.send(owner, List.of(start.update()), true);
    }
  }

  /**
   * Keeps a foreign object borrowed while something other than a ref instance needs it (a pending
   * task whose arguments contain the ref); undone by {@link #release}.
   */
  void pin(ByteString id, Address owner) {
    Update start = hold(id, owner);
    if (start != null) {
      sender.send(owner, List.of(start.update()), true);
    }
  }

  private Update hold(ByteString id, Address owner) {
    Update[] start = new Update[1];
    borrows.compute(
        id,
        (k, b) -> {
          if (b == null) {
            b = new Borrow(owner);
          }
          if (b.holds++ == 0) {
            b.epoch = epochs.incrementAndGet();
            start[0] = new Update(b.owner, update(id, b.epoch, false));
          }
          return b;
        });
    return start[0];
  }

  /** One instance was collected, or a pin undone. The last one stops the borrow. */
  void release(ByteString id) {
    borrows.computeIfPresent(
        id,
        (k, b) -> {
          if (--b.holds > 0) {
            return b;
          }
          stops.add(new Update(b.owner, update(id, b.epoch, true)));
          return null;
        });
  }

  /** Whether this process borrows {@code id} now. */
  boolean holds(ByteString id) {
    return borrows.containsKey(id);
  }

  int size() {
    return borrows.size();
  }

  /** Starts a read: borrows started until the matching {@link #endRead} register together. */
  void beginRead() {
    reading.get().depth++;
  }

  /** Ends a read: registers the borrows it started with their owners, one call per owner. */
  void endRead() {
    Reading r = reading.get();
    if (--r.depth > 0 || r.started.isEmpty()) {
      return;
    }
    List<Update> pending = List.copyOf(r.started);
    r.started.clear();
    for (Map.Entry<Address, List<BorrowUpdate>> e : byOwner(pending).entrySet()) {
      sender.send(e.getKey(), e.getValue(), true);
    }
  }

  /** This process is going away: every borrow stops (sent now, best effort). */
  void releaseAll() {
    List<Update> all = new ArrayList<>();
    for (ByteString id : List.copyOf(borrows.keySet())) {
      Borrow b = borrows.remove(id);
      if (b != null) {
        all.add(new Update(b.owner, update(id, b.epoch, true)));
      }
    }
    stops.drainTo(all);
    for (Map.Entry<Address, List<BorrowUpdate>> e : byOwner(all).entrySet()) {
      sender.send(e.getKey(), e.getValue(), true);
    }
  }

  void close() {
    closed = true;
    stopSender.interrupt();
  }

  private BorrowUpdate update(ByteString id, long epoch, boolean released) {
    return BorrowUpdate.newBuilder()
        .setObjectId(id)
        .setBorrower(key)
        .setEpoch(epoch)
        .setReleased(released)
        .build();
  }

  private static Map<Address, List<BorrowUpdate>> byOwner(List<Update> updates) {
    Map<Address, List<BorrowUpdate>> m = new LinkedHashMap<>();
    for (Update u : updates) {
      m.computeIfAbsent(u.owner(), k -> new ArrayList<>()).add(u.update());
    }
    return m;
  }

  /** Stops go out in the background, batched per owner. */
  private void sendStops() {
    List<Update> batch = new ArrayList<>();
    while (!closed) {
      try {
        batch.add(stops.take());
      } catch (InterruptedException e) {
        return;
      }
      stops.drainTo(batch);
      for (Map.Entry<Address, List<BorrowUpdate>> e : byOwner(batch).entrySet()) {
        try {
          sender.send(e.getKey(), e.getValue(), false);
        } catch (RuntimeException ignored) {
          // The owner is gone: so is the object.
        }
      }
      batch.clear();
    }
  }
}
