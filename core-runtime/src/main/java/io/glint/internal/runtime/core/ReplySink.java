package io.glint.internal.runtime.core;

import io.glint.internal.proto.PushReply;
import io.glint.internal.proto.ResultBatch;
import io.glint.internal.proto.TaskResult;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The worker's end of one task stream: sends each task's result back, batching them when the stream
 * has a backlog.
 *
 * <p>A result is held back only while more of this stream's tasks are queued here (their results
 * will follow soon), and never longer than {@link #HOLD_MICROS} nor past {@link #MAX_BATCH}
 * results: so a submitter with a million tiny tasks gets one message per batch rather than one per
 * task, while a lone task's result (or the last of a backlog) goes out at once.
 */
final class ReplySink {
  static final long HOLD_MICROS = 500;
  static final int MAX_BATCH = 64;

  private final StreamObserver<PushReply> obs;
  private final ScheduledExecutorService timer;
  private final long holdMicros;
  private final List<TaskResult> held = new ArrayList<>();

  /** Tasks of this stream whose results are not sent yet (updated without the lock: see expect). */
  private final java.util.concurrent.atomic.AtomicInteger outstanding =
      new java.util.concurrent.atomic.AtomicInteger();

  private volatile boolean closed;

  /** When the oldest held result was held, and whether a timer will look at it. */
  private long heldSinceNanos;

  private boolean timerArmed;

  ReplySink(StreamObserver<PushReply> obs, ScheduledExecutorService timer) {
    this(obs, timer, HOLD_MICROS);
  }

  ReplySink(StreamObserver<PushReply> obs, ScheduledExecutorService timer, long holdMicros) {
    this.obs = obs;
    this.timer = timer;
    this.holdMicros = holdMicros;
  }

  /**
   * {@code n} more tasks arrived on this stream; each will send one result. Takes no lock: the
   * thread reading a local stream calls it, and must never wait for a thread that holds this sink's
   * lock while its write waits for the submitter to read (who may be waiting for this reader to
   * take its tasks).
   */
  void expect(int n) {
    outstanding.addAndGet(n);
  }

  synchronized void send(TaskResult r) {
    if (closed) {
      return;
    }
    int left = outstanding.decrementAndGet();
    held.add(r);
    if (left > 0 && held.size() < MAX_BATCH) {
      if (held.size() == 1) {
        heldSinceNanos = System.nanoTime();
        armTimer(TimeUnit.MICROSECONDS.toNanos(holdMicros));
      }
      return;
    }
    flushHeld();
  }

  /** One timer per stream at a time (not one per batch): it fires when the oldest result is due. */
  private void armTimer(long delayNanos) {
    if (!timerArmed) {
      timerArmed = true;
      timer.schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private synchronized void onTimer() {
    timerArmed = false;
    if (closed || held.isEmpty()) {
      return;
    }
    long left = TimeUnit.MICROSECONDS.toNanos(holdMicros) - (System.nanoTime() - heldSinceNanos);
    if (left <= 0) {
      flushHeld();
    } else {
      armTimer(left); // a later batch than the one the timer was armed for
    }
  }

  private void flushHeld() {
    if (held.isEmpty()) {
      return;
    }
    PushReply reply =
        held.size() == 1
            ? PushReply.newBuilder().setResult(held.get(0)).build()
            : PushReply.newBuilder()
                .setResults(ResultBatch.newBuilder().addAllResults(held))
                .build();
    held.clear();
    try {
      obs.onNext(reply);
    } catch (RuntimeException e) {
      closed = true;
    }
  }

  synchronized void close() {
    if (!closed) {
      flushHeld();
      closed = true;
      try {
        obs.onCompleted();
      } catch (RuntimeException ignored) {
        // already cancelled
      }
    }
  }

  boolean isClosed() {
    return closed;
  }
}
