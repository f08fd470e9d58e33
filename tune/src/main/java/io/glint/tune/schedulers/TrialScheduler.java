package io.glint.tune.schedulers;

import io.glint.tune.Trial;
import java.io.Serializable;
import java.util.Map;

/**
 * Decides, after each report, whether a trial goes on, pauses or stops (Ray's {@code
 * TrialScheduler}); may send a trial on with another trial's checkpoint and a changed config (PBT).
 * Saved with the experiment's state.
 */
public interface TrialScheduler extends Serializable {
  enum Action {
    CONTINUE,
    PAUSE,
    STOP
  }

  /**
   * What to do with a trial. With {@code exploitFrom} set, the trial continues from that trial's
   * latest checkpoint with {@code newConfig} (population-based training).
   */
  record Decision(Action action, Map<String, Object> newConfig, Trial exploitFrom)
      implements Serializable {
    public static final Decision CONTINUE = new Decision(Action.CONTINUE, null, null);
    public static final Decision PAUSE = new Decision(Action.PAUSE, null, null);
    public static final Decision STOP = new Decision(Action.STOP, null, null);

    public static Decision exploit(Trial from, Map<String, Object> newConfig) {
      return new Decision(Action.CONTINUE, newConfig, from);
    }
  }

  /** The experiment's metric and mode ("min" or "max"); called once before any trial. */
  default void setup(String metric, String mode) {}

  default void onTrialAdd(Trial trial) {}

  Decision onTrialResult(Trial trial, Map<String, Object> result);

  /** The trial ended (finished, stopped or failed for good). */
  default void onTrialComplete(Trial trial) {}

  /**
   * What to do with paused trials now: resume (CONTINUE) or STOP them. {@code stalled}: nothing
   * runs and no new trial will start, so waiting for more results would wait forever.
   */
  default Map<Trial, Action> decidePaused(boolean stalled) {
    return Map.of();
  }

  /** The metric as a reward (higher is better). */
  static double reward(Map<String, Object> result, String metric, String mode) {
    if (metric == null) {
      throw new IllegalStateException("this scheduler needs TuneConfig.metric and mode");
    }
    Object v = result.get(metric);
    if (!(v instanceof Number n)) {
      return Double.NaN;
    }
    return "min".equals(mode) ? -n.doubleValue() : n.doubleValue();
  }

  static int iteration(Map<String, Object> result) {
    return ((Number) result.get(io.glint.tune.Tune.TRAINING_ITERATION)).intValue();
  }
}
