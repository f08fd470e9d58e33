package io.glint.internal.runtime.common;

import io.glint.api.internal.ResourceValidation;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable set of resource quantities in fixed point (1/10000 units, Ray's precision), so that
 * adding and taking back fractions is exact. Zero quantities are dropped.
 */
public final class ResourceSet {
  public static final String CPU = "CPU";
  public static final String GPU = "GPU";
  public static final String MEMORY = "memory";
  public static final ResourceSet EMPTY = new ResourceSet(new TreeMap<>());

  private static final long UNIT = 10_000;
  private final TreeMap<String, Long> units;

  /** {@link #toProto()}, made once: tasks of one shape share it (a set never changes). */
  private volatile io.glint.internal.proto.ResourceSet proto;

  private ResourceSet(TreeMap<String, Long> units) {
    this.units = units;
  }

  public static ResourceSet of(Map<String, Double> quantities) {
    TreeMap<String, Long> u = new TreeMap<>();
    quantities.forEach(
        (k, v) -> {
          ResourceValidation.checkQuantity(k, v);
          long n = Math.round(v * UNIT);
          if (n != 0) {
            u.put(k, n);
          }
        });
    return new ResourceSet(u);
  }

  public static ResourceSet of(String name, double quantity) {
    return of(Map.of(name, quantity));
  }

  public static ResourceSet fromProto(io.glint.internal.proto.ResourceSet proto) {
    TreeMap<String, Long> u = new TreeMap<>();
    proto
        .getQuantitiesMap()
        .forEach(
            (k, v) -> {
              long n = Math.round(v * UNIT);
              if (n != 0) {
                u.put(k, n);
              }
            });
    return new ResourceSet(u);
  }

  public io.glint.internal.proto.ResourceSet toProto() {
    io.glint.internal.proto.ResourceSet p = proto;
    if (p == null) {
      p = io.glint.internal.proto.ResourceSet.newBuilder().putAllQuantities(toMap()).build();
      proto = p;
    }
    return p;
  }

  public Map<String, Double> toMap() {
    Map<String, Double> m = new LinkedHashMap<>();
    units.forEach((k, v) -> m.put(k, (double) v / UNIT));
    return Collections.unmodifiableMap(m);
  }

  public double get(String name) {
    return (double) units.getOrDefault(name, 0L) / UNIT;
  }

  public boolean isEmpty() {
    return units.isEmpty();
  }

  /** Whether every quantity here is available in {@code available}. */
  public boolean fitsIn(ResourceSet available) {
    for (Map.Entry<String, Long> e : units.entrySet()) {
      if (e.getValue() > 0 && available.units.getOrDefault(e.getKey(), 0L) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  public ResourceSet plus(ResourceSet other) {
    TreeMap<String, Long> u = new TreeMap<>(units);
    other.units.forEach((k, v) -> u.merge(k, v, Long::sum));
    u.values().removeIf(v -> v == 0);
    return new ResourceSet(u);
  }

  /** Subtracts; quantities may go negative (a worker taking its CPU back after a blocked get). */
  public ResourceSet minus(ResourceSet other) {
    TreeMap<String, Long> u = new TreeMap<>(units);
    other.units.forEach((k, v) -> u.merge(k, -v, Long::sum));
    u.values().removeIf(v -> v == 0);
    return new ResourceSet(u);
  }

  /** Only the named resource, or empty. */
  public ResourceSet only(String name) {
    TreeMap<String, Long> u = new TreeMap<>();
    Long v = units.get(name);
    if (v != null) {
      u.put(name, v);
    }
    return new ResourceSet(u);
  }

  /** Whether {@code total} could ever hold this, i.e. it fits when nothing else runs. */
  public boolean feasibleOn(ResourceSet total) {
    return fitsIn(total);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResourceSet r && r.units.equals(units);
  }

  @Override
  public int hashCode() {
    return units.hashCode();
  }

  /** Like {@code {CPU: 4, GPU: 0.5}}. */
  /**
   * For people: {@code 2 CPU, 1 GPU, 3.5 GiB memory, 1 accelerator}; "nothing" when empty. Memory
   * is in bytes internally, shown in GiB (or MiB under a GiB).
   */
  public String describe() {
    if (units.isEmpty()) {
      return "nothing";
    }
    StringBuilder sb = new StringBuilder();
    units.forEach(
        (k, v) -> {
          if (sb.length() > 0) {
            sb.append(", ");
          }
          double q = (double) v / UNIT;
          if (k.equals(MEMORY)) {
            sb.append(
                    q >= (1L << 30)
                        ? String.format(java.util.Locale.ROOT, "%.1f GiB", q / (1L << 30))
                        : String.format(java.util.Locale.ROOT, "%.0f MiB", q / (1L << 20)))
                .append(" memory");
          } else {
            sb.append(v % UNIT == 0 ? Long.toString(v / UNIT) : Double.toString(q))
                .append(' ')
                .append(k);
          }
        });
    return sb.toString();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    units.forEach(
        (k, v) -> {
          if (sb.length() > 1) {
            sb.append(", ");
          }
          sb.append(k).append(": ");
          if (v % UNIT == 0) {
            sb.append(v / UNIT);
          } else {
            sb.append((double) v / UNIT);
          }
        });
    return sb.append('}').toString();
  }
}
