package io.glint.api.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A user metric (Ray's {@code ray.util.metrics}): a name, a description and the tag keys every
 * recording gives values for. Values from every process of the cluster appear on the head's {@code
 * /metrics} as {@code glint_<name>} (counters and histograms summed over processes, gauges the
 * latest value).
 */
public abstract sealed class Metric permits Counter, Gauge, Histogram {
  final String name;
  final String description;
  final List<String> tagKeys;
  private volatile Map<String, String> defaultTags = Map.of();

  Metric(String name, String description, List<String> tagKeys) {
    if (name == null || !name.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
      throw new IllegalArgumentException(
          "a metric name is letters, digits and '_' (not starting with a digit), got '"
              + name
              + "'");
    }
    for (String k : tagKeys) {
      if (k == null || !k.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
        throw new IllegalArgumentException(
            "tag keys are letters, digits and '_', got '" + k + "' for metric " + name);
      }
    }
    if (Set.copyOf(tagKeys).size() != tagKeys.size()) {
      throw new IllegalArgumentException("metric " + name + " repeats a tag key: " + tagKeys);
    }
    this.name = name;
    this.description = description == null ? "" : description;
    this.tagKeys = List.copyOf(tagKeys);
  }

  public String name() {
    return name;
  }

  /** Tag values used when a recording does not give them (Ray's {@code set_default_tags}). */
  public Metric setDefaultTags(Map<String, String> tags) {
    check(tags, false);
    this.defaultTags = Map.copyOf(tags);
    return this;
  }

  /** The recording's tags: defaults overlaid with {@code tags}; every declared key has a value. */
  Map<String, String> resolve(Map<String, String> tags) {
    Map<String, String> all = new HashMap<>(defaultTags);
    all.putAll(tags);
    check(all, true);
    return all;
  }

  private void check(Map<String, String> tags, boolean complete) {
    for (String k : tags.keySet()) {
      if (!tagKeys.contains(k)) {
        throw new IllegalArgumentException(
            "metric " + name + " has no tag key '" + k + "' (declared: " + tagKeys + ")");
      }
    }
    if (complete) {
      for (String k : tagKeys) {
        if (tags.get(k) == null) {
          throw new IllegalArgumentException(
              "metric " + name + " needs a value for tag '" + k + "'");
        }
      }
    }
  }
}
