package io.glint.tune.schedulers;

import io.glint.tune.Trial;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stops a trial whose best result so far is worse than the median of the other trials' running
 * averages at the same iteration (Golovin et al., 2017; Ray's {@code MedianStoppingRule}), once it
 * has run {@code gracePeriod} iterations and at least {@code minSamplesRequired} other trials got
 * that far.
 */
public final class MedianStoppingRule extends MetricScheduler {
  private final int gracePeriod;
  private final int minSamplesRequired;
  private final Map<String, Trial> trials = new LinkedHashMap<>();
  private final Map<String, Integer> stoppedAt = new LinkedHashMap<>();

  /** Grace period 3 iterations, 3 other trials needed. */
  public MedianStoppingRule() {
    this(3, 3);
  }

  public MedianStoppingRule(int gracePeriod, int minSamplesRequired) {
    if (gracePeriod < 1 || minSamplesRequired < 1) {
      throw new IllegalArgumentException("gracePeriod and minSamplesRequired must be at least 1");
    }
    this.gracePeriod = gracePeriod;
    this.minSamplesRequired = minSamplesRequired;
  }

  /** Trials it stopped and the iteration at which it did. */
  public Map<String, Integer> stoppedAt() {
    return Map.copyOf(stoppedAt);
  }

  @Override
  public void onTrialAdd(Trial trial) {
    trials.put(trial.id(), trial);
  }

  @Override
  public Decision onTrialResult(Trial trial, Map<String, Object> result) {
    int t = TrialScheduler.iteration(result);
    if (t < gracePeriod) {
      return Decision.CONTINUE;
    }
    List<Double> means = new ArrayList<>();
    for (Trial other : trials.values()) {
      if (other == trial) {
        continue;
      }
      double sum = 0;
      int n = 0;
      for (Map<String, Object> r : other.results()) {
        if (TrialScheduler.iteration(r) <= t) {
          double v = reward(r);
          if (!Double.isNaN(v)) {
            sum += v;
            n++;
          }
        }
      }
      if (n > 0 && other.iteration() >= t) {
        means.add(sum / n);
      }
    }
    if (means.size() < minSamplesRequired) {
      return Decision.CONTINUE;
    }
    means.sort(Double::compare);
    int m = means.size();
    double median = m % 2 == 1 ? means.get(m / 2) : (means.get(m / 2 - 1) + means.get(m / 2)) / 2;
    double best = Double.NEGATIVE_INFINITY;
    for (Map<String, Object> r : trial.results()) {
      double v = reward(r);
      if (!Double.isNaN(v)) {
        best = Math.max(best, v);
      }
    }
    best = Math.max(best, reward(result));
    if (best < median) {
      stoppedAt.put(trial.id(), t);
      return Decision.STOP;
    }
    return Decision.CONTINUE;
  }
}
