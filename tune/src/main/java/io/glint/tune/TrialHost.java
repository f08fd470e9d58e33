package io.glint.tune;

import java.util.Map;

/**
 * A trial actor that runs one trial after another (Ray Tune's actor reuse): {@link #begin} starts a
 * trial's {@link TrialRunner}, {@link #step} drives it, {@link #end} stops it and says whether this
 * process is free for the next one. Starting a worker process per trial is what a short trial costs
 * most; a reused host skips it.
 */
public final class TrialHost {
  private TrialRunner current;

  public TrialHost() {}

  /** Starts a trial here (the previous one has ended). */
  public boolean begin(
      Trainable trainable, Map<String, Object> config, Checkpoint restoreFrom, int startIteration) {
    if (current != null) {
      throw new IllegalStateException("the previous trial on this actor has not ended");
    }
    current = new TrialRunner(trainable, config, restoreFrom, startIteration);
    return true;
  }

  public TrialRunner.Step step() throws InterruptedException {
    if (current == null) {
      throw new IllegalStateException("no trial runs on this actor");
    }
    return current.step();
  }

  /** Stops the trial; whether its thread ended within {@code waitMillis} (then reuse is safe). */
  public boolean end(long waitMillis) throws InterruptedException {
    TrialRunner r = current;
    current = null;
    return r == null || r.stopAndJoin(waitMillis);
  }
}
