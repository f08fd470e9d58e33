package io.glint.cluster.autoscaler;

import java.util.LinkedHashMap;
import java.util.Map;

/** Resource shapes ({@code {CPU: 1, GPU: 0.5}}) as plain maps: fitting, subtracting, sizing. */
final class Shapes {
  private Shapes() {}

  static boolean fits(Map<String, Double> shape, Map<String, Double> free) {
    for (var e : shape.entrySet()) {
      if (e.getValue() > 0 && free.getOrDefault(e.getKey(), 0.0) + 1e-9 < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  static Map<String, Double> minus(Map<String, Double> free, Map<String, Double> shape) {
    Map<String, Double> out = new LinkedHashMap<>(free);
    shape.forEach((k, v) -> out.merge(k, -v, Double::sum));
    return out;
  }

  static Map<String, Double> plus(Map<String, Double> a, Map<String, Double> b) {
    Map<String, Double> out = new LinkedHashMap<>(a);
    b.forEach((k, v) -> out.merge(k, v, Double::sum));
    return out;
  }

  /** How big a shape is, for placing big ones first. */
  static double size(Map<String, Double> shape) {
    return shape.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** {@code {CPU: 1.0}} as Ray prints it. */
  static String describe(Map<String, Double> shape) {
    StringBuilder b = new StringBuilder("{");
    shape.entrySet().stream()
        .filter(e -> e.getValue() != 0)
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              if (b.length() > 1) {
                b.append(", ");
              }
              double v = e.getValue();
              b.append(e.getKey())
                  .append(": ")
                  .append(v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v));
            });
    return b.append('}').toString();
  }
}
