package io.glint.internal.runtime.core;

import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs jobs one at a time, in the order they arrive: on a thread of its own, or, when a caller
 * offers its thread while the lane is idle, on the caller's thread ({@link #runHereIfIdle}). A job
 * run on the caller's thread saves the hop to the lane's thread: a task that arrives on a local
 * stream's reading thread runs there, while another thread takes over the reading.
 */
final class SerialLane {
  private static final System.Logger LOG = System.getLogger(SerialLane.class.getName());

  private final ExecutorService thread;
  private final ArrayDeque<Runnable> queued = new ArrayDeque<>();
  private boolean busy;

  SerialLane(String threadName) {
    this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, threadName));
  }

  /** Runs {@code job} after those before it, on the lane's thread (or the one running them). */
  void execute(Runnable job) {
    synchronized (this) {
      if (busy) {
        queued.add(job);
        return;
      }
      busy = true;
    }
    thread.execute(() -> runFrom(job));
  }

  /**
   * When nothing runs or waits in the lane, runs {@code before} and then {@code job} on this thread
   * (and what arrives meanwhile) and returns true; otherwise returns false and does nothing.
   */
  boolean runHereIfIdle(Runnable job, Runnable before) {
    synchronized (this) {
      if (busy) {
        return false;
      }
      busy = true;
    }
    try {
      before.run();
    } catch (RuntimeException e) {
      synchronized (this) {
        busy = false;
      }
      throw e;
    }
    runFrom(job);
    return true;
  }

  private void runFrom(Runnable first) {
    Runnable next = first;
    while (next != null) {
      try {
        next.run();
      } catch (RuntimeException | Error e) {
        LOG.log(System.Logger.Level.ERROR, "a job failed outside its own handling", e);
      }
      synchronized (this) {
        next = queued.poll();
        if (next == null) {
          busy = false;
        }
      }
    }
  }

  void shutdown() {
    synchronized (this) {
      queued.clear();
    }
    thread.shutdownNow();
  }
}
