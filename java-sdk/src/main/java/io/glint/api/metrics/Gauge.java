package io.glint.api.metrics;

import io.glint.api.internal.MetricRegistry;
import java.util.List;
import java.util.Map;

/**
 * A value that goes up and down (Ray's {@code Gauge}).
 *
 * <pre>{@code
 * Gauge queue = new Gauge("queue_length", "Items waiting");
 * queue.set(42);
 * }</pre>
 */
public final class Gauge extends Metric {
  public Gauge(String name, String description, List<String> tagKeys) {
    super(name, description, tagKeys);
  }

  public Gauge(String name, String description) {
    this(name, description, List.of());
  }

  public void set(double value) {
    set(value, Map.of());
  }

  public void set(double value, Map<String, String> tags) {
    MetricRegistry.get().set(name, description, resolve(tags), value);
  }
}
