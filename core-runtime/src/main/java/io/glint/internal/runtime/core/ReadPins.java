package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The pins this process holds on stored objects while it copies them out of the store, kept a short
 * while ({@link #LINGER_NANOS}) after the last read, so that gets of one object in quick succession
 * pay one pin round trip to the node daemon instead of a pin and an unpin each (Ray's plasma client
 * keeps a buffer it read for the same reason). A pin keeps the object in memory (neither spilled
 * nor its room reused): lingering delays a spill of that object by at most the linger, and the node
 * retries waiting creates when the pin ends. A freed object's pin ends at once ({@link #forget}).
 *
 * <p>Each object has at most one pin of this process here, counted by its readers; a sweep on the
 * worker's scheduler unpins, in one request, the objects nobody has read for the linger.
 */
final class ReadPins {
  /** How long a pin outlives its last read, by default. */
  static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private static final class Held {
    int readers;
    long lastRead;
  }

  private final long lingerNanos;
  private final Function<List<ByteString>, List<ByteString>> pin;
  private final Consumer<List<ByteString>> unpin;
  private final Supplier<ScheduledExecutorService> scheduler;
  private final Map<ByteString, Held> held = new HashMap<>();
  private boolean sweepScheduled;

  /**
   * @param pin pins objects on the node, returning the ids it does not have
   * @param unpin ends pins (asynchronously)
   * @param scheduler where sweeps run
   * @param lingerNanos how long a pin outlives its last read ({@link #LINGER_NANOS})
   */
  ReadPins(
      Function<List<ByteString>, List<ByteString>> pin,
      Consumer<List<ByteString>> unpin,
      Supplier<ScheduledExecutorService> scheduler,
      long lingerNanos) {
    this.lingerNanos = lingerNanos;
    this.pin = pin;
    this.unpin = unpin;
    this.scheduler = scheduler;
  }

  /**
   * Holds the object for a read (pinning it unless this process holds a pin already); false when
   * the node does not have it. Every true must be matched by a {@link #release}.
   */
  boolean acquire(ByteString objectId) {
    synchronized (this) {
      Held h = held.get(objectId);
      if (h != null) {
        h.readers++;
        return true;
      }
    }
    if (!pin.apply(List.of(objectId)).isEmpty()) {
      return false;
    }
    boolean extra;
    synchronized (this) {
      Held h = held.get(objectId);
      extra = h != null; // another reader pinned it meanwhile: one pin is enough
      if (h == null) {
        h = new Held();
        held.put(objectId, h);
      }
      h.readers++;
    }
    if (extra) {
      unpin.accept(List.of(objectId));
    }
    return true;
  }

  /** A read ended; the pin lingers, then a sweep ends it. */
  void release(ByteString objectId) {
    synchronized (this) {
      Held h = held.get(objectId);
      if (h == null) {
        return;
      }
      h.readers--;
      h.lastRead = System.nanoTime();
      if (sweepScheduled) {
        return;
      }
      sweepScheduled = true;
    }
    scheduleSweep();
  }

  /**
   * The object was freed: its pin ends now unless a read is under way (then the sweep after that
   * read ends it).
   */
  void forget(ByteString objectId) {
    synchronized (this) {
      Held h = held.get(objectId);
      if (h == null || h.readers > 0) {
        return;
      }
      held.remove(objectId);
    }
    unpin.accept(List.of(objectId));
  }

  /** How many objects this process holds pins on for reads (for tests). */
  synchronized int heldCount() {
    return held.size();
  }

  private void scheduleSweep() {
    try {
      scheduler.get().schedule(this::sweep, lingerNanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      // the worker is shutting down: the node ends its pins with it
      synchronized (this) {
        sweepScheduled = false;
      }
    }
  }

  /** Ends the pins nobody read for the linger; comes back while others remain. */
  void sweep() {
    List<ByteString> done = new ArrayList<>();
    boolean again;
    synchronized (this) {
      long now = System.nanoTime();
      held.entrySet()
          .removeIf(
              e -> {
                Held h = e.getValue();
                if (h.readers == 0 && now - h.lastRead >= lingerNanos) {
                  done.add(e.getKey());
                  return true;
                }
                return false;
              });
      again = held.values().stream().anyMatch(h -> h.readers == 0);
      sweepScheduled = again;
    }
    if (!done.isEmpty()) {
      try {
        unpin.accept(done);
      } catch (RuntimeException ignored) {
        // shut down meanwhile: the node daemon released everything
      }
    }
    if (again) {
      scheduleSweep();
    }
  }
}
