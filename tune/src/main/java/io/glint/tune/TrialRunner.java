package io.glint.tune;

import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;

/**
 * Runs one trial's trainable in lockstep with the experiment: each {@link #step()} lets the
 * trainable run until its next {@link Tune#report} (or its end) and returns that report, then holds
 * the trainable until the next step, so the scheduler decides between epochs whether it goes on. On
 * a cluster this class is the trial's actor (its resources are the trial's); in the in-process
 * executor it is a plain object.
 */
public final class TrialRunner {
  /** One step: a report (metrics and maybe a checkpoint), the trainable's end, or its failure. */
  public record Step(Map<String, Object> metrics, Checkpoint checkpoint, boolean done, String error)
      implements Serializable {}

  /** Ends a trainable the experiment stopped (thrown from {@link Tune#report}). */
  static final class StopTrial extends RuntimeException {
    StopTrial() {
      super("the trial was stopped", null, false, false);
    }
  }

  static final InheritableThreadLocal<TrialRunner> CURRENT = new InheritableThreadLocal<>();

  private final Trainable trainable;
  private final Map<String, Object> config;
  private final Checkpoint restoreFrom;
  private final SynchronousQueue<Step> reports = new SynchronousQueue<>();
  private final Semaphore proceed = new Semaphore(0);
  private final long started = System.nanoTime();
  private int iteration;
  private Thread thread;
  private volatile boolean stopping;
  private volatile boolean finished;

  /**
   * @param restoreFrom the checkpoint the trainable resumes from ({@link Tune#getCheckpoint}), or
   *     null
   * @param startIteration iterations the trial already ran (its reports continue the count)
   */
  public TrialRunner(
      Trainable trainable, Map<String, Object> config, Checkpoint restoreFrom, int startIteration) {
    this.trainable = trainable;
    this.config = config;
    this.restoreFrom = restoreFrom;
    this.iteration = startIteration;
  }

  /** Runs the trainable to its next report (the first call starts it). */
  public Step step() throws InterruptedException {
    if (finished) {
      return new Step(Map.of(), null, true, null);
    }
    if (thread == null) {
      thread = new Thread(this::run, "glint-tune-trial");
      thread.setDaemon(true);
      thread.start();
    } else {
      proceed.release();
    }
    return reports.take();
  }

  /**
   * Ends the trainable and waits up to {@code waitMillis} for its thread; whether it ended (a
   * trainable that ignores interruption between reports may not).
   */
  boolean stopAndJoin(long waitMillis) throws InterruptedException {
    stop();
    if (thread == null) {
      return true;
    }
    thread.join(waitMillis);
    return !thread.isAlive();
  }

  /** Ends the trainable at its next report. */
  public boolean stop() {
    stopping = true;
    proceed.release();
    if (thread != null) {
      thread.interrupt();
    }
    return true;
  }

  Checkpoint restoreFrom() {
    return restoreFrom;
  }

  private void run() {
    CURRENT.set(this);
    Step last;
    try {
      trainable.train(config);
      last = new Step(Map.of(), null, true, null);
    } catch (StopTrial e) {
      return;
    } catch (Throwable t) {
      if (stopping) {
        return;
      }
      StringWriter trace = new StringWriter();
      t.printStackTrace(new PrintWriter(trace));
      last = new Step(Map.of(), null, true, trace.toString());
    }
    finished = true;
    try {
      reports.put(last);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Called by {@link Tune#report} on the trainable's thread. */
  void report(Map<String, Object> metrics, Checkpoint checkpoint) {
    if (stopping) {
      throw new StopTrial();
    }
    iteration++;
    Map<String, Object> m = new LinkedHashMap<>(metrics);
    m.put(Tune.TRAINING_ITERATION, iteration);
    m.put("time_total_s", (System.nanoTime() - started) / 1e9);
    m.put("timestamp", System.currentTimeMillis() / 1000);
    try {
      reports.put(new Step(m, checkpoint, false, null));
      proceed.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StopTrial();
    }
    if (stopping) {
      throw new StopTrial();
    }
  }
}
