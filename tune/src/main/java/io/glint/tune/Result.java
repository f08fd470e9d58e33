package io.glint.tune;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One trial's outcome (Ray's {@code Result}): its config, its last reported metrics and every
 * report, the error that ended it if any, its directory and latest checkpoint.
 */
public record Result(
    String trialId,
    Map<String, Object> config,
    Map<String, Object> metrics,
    List<Map<String, Object>> metricsHistory,
    String error,
    Path path,
    Checkpoint checkpoint) {

  /** The last value of {@code metric} as a number (NaN when never reported). */
  public double metric(String metric) {
    Object v = metrics == null ? null : metrics.get(metric);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
