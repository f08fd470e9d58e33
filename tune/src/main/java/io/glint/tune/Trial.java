package io.glint.tune;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One trial of an experiment as schedulers and searchers see it: its config, state, reports and
 * latest checkpoint. Changed only by the experiment's controller thread.
 */
public final class Trial implements Serializable {
  /** Ray Tune's trial states. */
  public enum Status {
    PENDING,
    RUNNING,
    PAUSED,
    TERMINATED,
    ERROR
  }

  private final String id;
  private Map<String, Object> config;
  private Status status = Status.PENDING;
  private final List<Map<String, Object>> results = new ArrayList<>();
  private Checkpoint checkpoint;
  private int checkpointIteration;
  private int failures;
  private String error;

  Trial(String id, Map<String, Object> config) {
    this.id = id;
    this.config = config;
  }

  public String id() {
    return id;
  }

  public Map<String, Object> config() {
    return config;
  }

  public Status status() {
    return status;
  }

  /** Every report so far, oldest first. */
  public List<Map<String, Object>> results() {
    return Collections.unmodifiableList(results);
  }

  /** The latest report, or null. */
  public Map<String, Object> lastResult() {
    return results.isEmpty() ? null : results.get(results.size() - 1);
  }

  /** Iterations run so far. */
  public int iteration() {
    Map<String, Object> last = lastResult();
    return last == null ? 0 : ((Number) last.get(Tune.TRAINING_ITERATION)).intValue();
  }

  public Checkpoint checkpoint() {
    return checkpoint;
  }

  /** The iteration of its latest checkpoint (0 when it has none). */
  public int checkpointIteration() {
    return checkpointIteration;
  }

  public String error() {
    return error;
  }

  int failures() {
    return failures;
  }

  void setStatus(Status s) {
    status = s;
  }

  void setConfig(Map<String, Object> c) {
    config = c;
  }

  void addResult(Map<String, Object> r, Checkpoint c) {
    results.add(r);
    if (c != null) {
      checkpoint = c;
      checkpointIteration = ((Number) r.get(Tune.TRAINING_ITERATION)).intValue();
    }
  }

  /** Adopts another trial's checkpoint (PBT's exploit): this trial goes on from there. */
  void adopt(Checkpoint c, int iteration) {
    checkpoint = c;
    checkpointIteration = iteration;
  }

  /** Drops reports after the checkpoint it resumes from (they will be made again). */
  void rewindToCheckpoint() {
    int keep = checkpoint == null ? 0 : checkpointIteration;
    results.removeIf(r -> ((Number) r.get(Tune.TRAINING_ITERATION)).intValue() > keep);
  }

  void failed(String e) {
    failures++;
    error = e;
  }

  /** The value of {@code metric} in the latest report that has it, or NaN. */
  public double last(String metric) {
    for (int i = results.size() - 1; i >= 0; i--) {
      Object v = results.get(i).get(metric);
      if (v instanceof Number n) {
        return n.doubleValue();
      }
    }
    return Double.NaN;
  }

  @Override
  public String toString() {
    return id;
  }
}
