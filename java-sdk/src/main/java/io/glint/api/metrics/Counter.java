package io.glint.api.metrics;

import io.glint.api.internal.MetricRegistry;
import java.util.List;
import java.util.Map;

/**
 * A value that only grows (Ray's {@code Counter}).
 *
 * <pre>{@code
 * Counter served = new Counter("requests_served", "Requests served", List.of("route"));
 * served.inc(1, Map.of("route", "/predict"));
 * }</pre>
 */
public final class Counter extends Metric {
  public Counter(String name, String description, List<String> tagKeys) {
    super(name, description, tagKeys);
  }

  public Counter(String name, String description) {
    this(name, description, List.of());
  }

  public void inc() {
    inc(1, Map.of());
  }

  public void inc(double value) {
    inc(value, Map.of());
  }

  public void inc(double value, Map<String, String> tags) {
    if (!(value >= 0)) {
      throw new IllegalArgumentException("a counter only grows: inc(" + value + ") on " + name);
    }
    MetricRegistry.get().add(name, description, resolve(tags), value);
  }
}
