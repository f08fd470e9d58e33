package io.glint.api.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This process's user metrics ({@code io.glint.api.metrics}): one series per metric and tag values.
 * The runtime reads {@link #snapshot()} about once a second and sends it to the cluster, where the
 * dashboard's {@code /metrics} shows the sum over processes (the last value for gauges).
 */
public final class MetricRegistry {
  /** What kind of metric a series belongs to. */
  public enum Kind {
    COUNTER,
    GAUGE,
    HISTOGRAM
  }

  /** One series' state at a moment. */
  public record Series(
      Kind kind,
      String name,
      String description,
      Map<String, String> tags,
      double value,
      List<Double> boundaries,
      long[] bucketCounts,
      double sum,
      long count) {}

  private static final class State {
    final Kind kind;
    final String name;
    final String description;
    final Map<String, String> tags;
    final List<Double> boundaries;
    final long[] buckets;
    double value;
    double sum;
    long count;

    State(Kind kind, String name, String description, Map<String, String> tags, List<Double> b) {
      this.kind = kind;
      this.name = name;
      this.description = description;
      this.tags = tags;
      this.boundaries = b;
      this.buckets = new long[b.size() + 1];
    }
  }

  private static final MetricRegistry INSTANCE = new MetricRegistry();

  private final ConcurrentHashMap<String, State> series = new ConcurrentHashMap<>();

  private MetricRegistry() {}

  public static MetricRegistry get() {
    return INSTANCE;
  }

  private State state(
      Kind kind, String name, String description, Map<String, String> tags, List<Double> b) {
    Map<String, String> sorted = new TreeMap<>(tags);
    return series.computeIfAbsent(
        name + sorted, k -> new State(kind, name, description, Map.copyOf(sorted), b));
  }

  public void add(String name, String description, Map<String, String> tags, double delta) {
    State s = state(Kind.COUNTER, name, description, tags, List.of());
    synchronized (s) {
      s.value += delta;
    }
  }

  public void set(String name, String description, Map<String, String> tags, double value) {
    State s = state(Kind.GAUGE, name, description, tags, List.of());
    synchronized (s) {
      s.value = value;
    }
  }

  public void observe(
      String name,
      String description,
      List<Double> boundaries,
      Map<String, String> tags,
      double value) {
    State s = state(Kind.HISTOGRAM, name, description, tags, boundaries);
    synchronized (s) {
      int i = 0;
      while (i < s.boundaries.size() && value > s.boundaries.get(i)) {
        i++;
      }
      s.buckets[i]++;
      s.sum += value;
      s.count++;
    }
  }

  /** Every series' current state (cumulative for counters and histograms). */
  public List<Series> snapshot() {
    List<Series> out = new ArrayList<>();
    for (State s : series.values()) {
      synchronized (s) {
        out.add(
            new Series(
                s.kind,
                s.name,
                s.description,
                s.tags,
                s.value,
                s.boundaries,
                s.buckets.clone(),
                s.sum,
                s.count));
      }
    }
    return out;
  }
}
