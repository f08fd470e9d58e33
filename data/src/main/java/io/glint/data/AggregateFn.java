package io.glint.data;

import java.io.Serializable;

/**
 * An aggregation of {@link GroupedData#aggregate}: output column named as Ray names it ({@code
 * count()}, {@code sum(x)}, {@code mean(x)}, {@code min(x)}, {@code max(x)}).
 */
public record AggregateFn(String kind, String column) implements Serializable {
  public AggregateFn {
    if (!java.util.Set.of("count", "sum", "mean", "min", "max").contains(kind)) {
      throw new IllegalArgumentException("unknown aggregation " + kind);
    }
  }

  public static AggregateFn count() {
    return new AggregateFn("count", null);
  }

  public static AggregateFn sum(String column) {
    return new AggregateFn("sum", column);
  }

  public static AggregateFn mean(String column) {
    return new AggregateFn("mean", column);
  }

  public static AggregateFn min(String column) {
    return new AggregateFn("min", column);
  }

  public static AggregateFn max(String column) {
    return new AggregateFn("max", column);
  }

  /** The output column's name. */
  public String outputName() {
    return kind + "(" + (column == null ? "" : column) + ")";
  }
}
