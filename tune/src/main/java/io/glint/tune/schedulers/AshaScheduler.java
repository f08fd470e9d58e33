package io.glint.tune.schedulers;

import io.glint.tune.Trial;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Asynchronous successive halving (ASHA; Li et al., 2018; Ray's {@code ASHAScheduler}): rungs at
 * {@code gracePeriod * reductionFactor^k} iterations below {@code maxT}; a trial reaching a rung
 * goes on only if its result is in the top {@code 1/reductionFactor} of those recorded there so
 * far. No trial waits for others, and none runs past {@code maxT}.
 */
public final class AshaScheduler extends MetricScheduler {
  private final int maxT;
  private final int gracePeriod;
  private final double reductionFactor;
  private final List<Integer> rungs = new ArrayList<>();
  private final Map<Integer, Map<String, Double>> recorded = new HashMap<>();
  private long stopped;

  /** maxT 100, grace period 1, reduction factor 4 (Ray's defaults). */
  public AshaScheduler() {
    this(100, 1, 4);
  }

  public AshaScheduler(int maxT, int gracePeriod, double reductionFactor) {
    if (maxT < 1 || gracePeriod < 1 || gracePeriod > maxT || reductionFactor <= 1) {
      throw new IllegalArgumentException(
          "ASHA needs maxT >= gracePeriod >= 1 and reductionFactor > 1");
    }
    this.maxT = maxT;
    this.gracePeriod = gracePeriod;
    this.reductionFactor = reductionFactor;
    for (double r = gracePeriod; r < maxT; r *= reductionFactor) {
      rungs.add(0, (int) Math.round(r)); // highest first
    }
  }

  /** The rungs, highest first. */
  public List<Integer> rungs() {
    return List.copyOf(rungs);
  }

  /** Trials stopped early at a rung. */
  public long stoppedEarly() {
    return stopped;
  }

  @Override
  public Decision onTrialResult(Trial trial, Map<String, Object> result) {
    int t = TrialScheduler.iteration(result);
    double reward = reward(result);
    if (t >= maxT) {
      return Decision.STOP;
    }
    for (int rung : rungs) {
      Map<String, Double> atRung = recorded.computeIfAbsent(rung, k -> new HashMap<>());
      if (t < rung || atRung.containsKey(trial.id())) {
        continue;
      }
      Double cutoff = cutoff(atRung.values());
      atRung.put(trial.id(), reward);
      if (cutoff != null && !(reward >= cutoff)) {
        stopped++;
        return Decision.STOP;
      }
      break;
    }
    return Decision.CONTINUE;
  }

  /** The (1 - 1/rf) quantile of the rewards recorded at a rung (linear interpolation). */
  private Double cutoff(java.util.Collection<Double> values) {
    List<Double> v = new ArrayList<>(values.stream().filter(x -> !x.isNaN()).toList());
    if (v.isEmpty()) {
      return null;
    }
    v.sort(Double::compare);
    double pos = (1 - 1 / reductionFactor) * (v.size() - 1);
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return v.get(lo) + (v.get(hi) - v.get(lo)) * (pos - lo);
  }
}
