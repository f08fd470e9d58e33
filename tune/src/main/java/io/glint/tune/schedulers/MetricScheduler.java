package io.glint.tune.schedulers;

import java.util.Map;

/** A scheduler that ranks trials by the experiment's metric (all but FIFO). */
abstract class MetricScheduler implements TrialScheduler {
  private String metric;
  private String mode;

  @Override
  public void setup(String metric, String mode) {
    if (metric == null || mode == null) {
      throw new IllegalArgumentException(
          getClass().getSimpleName() + " needs TuneConfig.metric and mode");
    }
    this.metric = metric;
    this.mode = mode;
  }

  /** The result's metric as a reward: higher is better (NaN when it is missing). */
  double reward(Map<String, Object> result) {
    return TrialScheduler.reward(result, metric, mode);
  }
}
