package io.glint.api.metrics;

import io.glint.api.internal.MetricRegistry;
import java.util.List;
import java.util.Map;

/**
 * A distribution over fixed bucket boundaries (Ray's {@code Histogram}).
 *
 * <pre>{@code
 * Histogram latency =
 *     new Histogram("latency_ms", "Request latency", List.of(1.0, 10.0, 100.0), List.of());
 * latency.observe(3.5);
 * }</pre>
 */
public final class Histogram extends Metric {
  private final List<Double> boundaries;

  public Histogram(String name, String description, List<Double> boundaries, List<String> tagKeys) {
    super(name, description, tagKeys);
    if (boundaries.isEmpty()) {
      throw new IllegalArgumentException("histogram " + name + " needs bucket boundaries");
    }
    for (int i = 0; i < boundaries.size(); i++) {
      double b = boundaries.get(i);
      if (!(b > 0) || i > 0 && b <= boundaries.get(i - 1)) {
        throw new IllegalArgumentException(
            "histogram " + name + " boundaries must be positive and increasing: " + boundaries);
      }
    }
    this.boundaries = List.copyOf(boundaries);
  }

  public void observe(double value) {
    observe(value, Map.of());
  }

  public void observe(double value, Map<String, String> tags) {
    MetricRegistry.get().observe(name, description, boundaries, resolve(tags), value);
  }
}
