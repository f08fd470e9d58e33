package io.glint.tune;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A hyperparameter's space, made by {@link Tune}'s factories ({@code loguniform}, {@code choice},
 * ...). Plain values in a parameter space are constants; nested maps are nested spaces.
 */
public sealed interface Domain extends Serializable
    permits Domain.FloatRange, Domain.IntRange, Domain.Categorical, Domain.Grid, Domain.SampleFrom {

  /** A value drawn at random (a grid is expanded before sampling, never drawn). */
  Object sample(Random random);

  /**
   * Real numbers in {@code [lower, upper)}, uniform or log-uniform, optionally rounded to {@code
   * q}.
   */
  record FloatRange(double lower, double upper, boolean log, double q) implements Domain {
    public FloatRange {
      if (!(lower < upper)) {
        throw new IllegalArgumentException(
            "lower must be below upper, got " + lower + ", " + upper);
      }
      if (log && lower <= 0) {
        throw new IllegalArgumentException("a log-uniform space needs lower > 0, got " + lower);
      }
      if (q < 0) {
        throw new IllegalArgumentException("q must be positive, got " + q);
      }
    }

    @Override
    public Object sample(Random random) {
      double u = random.nextDouble();
      double v =
          log
              ? Math.exp(Math.log(lower) + u * (Math.log(upper) - Math.log(lower)))
              : lower + u * (upper - lower);
      return quantize(v);
    }

    public double quantize(double v) {
      return q > 0 ? Math.round(v / q) * q : v;
    }

    /** Where a value lies in the sampling space (log space for log-uniform), in [0, 1]. */
    public double toUnit(double v) {
      return log
          ? (Math.log(v) - Math.log(lower)) / (Math.log(upper) - Math.log(lower))
          : (v - lower) / (upper - lower);
    }

    public double fromUnit(double u) {
      double c = Math.max(0, Math.min(1, u));
      return quantize(
          log
              ? Math.exp(Math.log(lower) + c * (Math.log(upper) - Math.log(lower)))
              : lower + c * (upper - lower));
    }
  }

  /** Integers in {@code [lower, upper)} (Ray's {@code randint}). */
  record IntRange(int lower, int upper) implements Domain {
    public IntRange {
      if (lower >= upper) {
        throw new IllegalArgumentException(
            "lower must be below upper, got " + lower + ", " + upper);
      }
    }

    @Override
    public Object sample(Random random) {
      return lower + random.nextInt(upper - lower);
    }
  }

  /** One of {@code values} at random. */
  record Categorical(List<?> values) implements Domain {
    public Categorical {
      if (values.isEmpty()) {
        throw new IllegalArgumentException("choice needs at least one value");
      }
      values = List.copyOf(values);
    }

    @Override
    public Object sample(Random random) {
      return values.get(random.nextInt(values.size()));
    }
  }

  /** Every one of {@code values}, each in its own trial (Ray's {@code grid_search}). */
  record Grid(List<?> values) implements Domain {
    public Grid {
      if (values.isEmpty()) {
        throw new IllegalArgumentException("gridSearch needs at least one value");
      }
      values = List.copyOf(values);
    }

    @Override
    public Object sample(Random random) {
      throw new IllegalStateException("a grid is expanded, not sampled");
    }
  }

  /**
   * A value computed from the rest of the trial's config (Ray's {@code sample_from}): conditional
   * spaces. The function gets the config resolved so far (its other plain and sampled values).
   */
  record SampleFrom(SerializableFunction function) implements Domain {
    @Override
    public Object sample(Random random) {
      throw new IllegalStateException("sampleFrom is resolved with the config");
    }
  }

  /** A function of the config resolved so far, shipped with the experiment. */
  @FunctionalInterface
  interface SerializableFunction extends Function<Map<String, Object>, Object>, Serializable {}
}
