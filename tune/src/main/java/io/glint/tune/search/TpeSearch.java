package io.glint.tune.search;

import io.glint.tune.Configs;
import io.glint.tune.Domain;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Bayesian optimisation with the Tree-structured Parzen Estimator (Bergstra et al., 2011; what
 * Optuna and HyperOpt use by default), written here in Java so the search runs in the driver with
 * no Python. After {@code initialPoints} random trials it splits the finished ones into the best
 * {@code gamma} fraction and the rest, fits a density to each per parameter (adaptive Parzen
 * estimators in the sampling space, log space for log-uniform ones; smoothed frequencies for
 * choices), draws {@code candidates} values from the good density and keeps the one that maximises
 * good/bad.
 */
public final class TpeSearch implements Searcher {
  private final int initialPoints;
  private final double gamma;
  private final int candidates;

  private Map<String, ?> space;
  private Map<String, Domain> domains;
  private String metric;
  private boolean minimize;
  private int numSamples;
  private Random random;
  private int suggested;
  private final Map<String, Map<String, Object>> pending = new HashMap<>();
  private final List<Map<String, Object>> observedConfigs = new ArrayList<>();
  private final List<Double> observedScores = new ArrayList<>();

  /** 10 random trials first, the best 25 % as "good", 24 candidates per suggestion. */
  public TpeSearch() {
    this(10, 0.25, 24);
  }

  public TpeSearch(int initialPoints, double gamma, int candidates) {
    if (initialPoints < 1 || gamma <= 0 || gamma >= 1 || candidates < 1) {
      throw new IllegalArgumentException(
          "TpeSearch needs initialPoints >= 1, 0 < gamma < 1 and candidates >= 1");
    }
    this.initialPoints = initialPoints;
    this.gamma = gamma;
    this.candidates = candidates;
  }

  @Override
  public void setup(Map<String, ?> space, String metric, String mode, int numSamples, long seed) {
    if (metric == null || mode == null) {
      throw new IllegalArgumentException("TpeSearch needs TuneConfig.metric and mode");
    }
    this.space = space;
    this.domains = Configs.domains(space);
    for (Map.Entry<String, Domain> e : domains.entrySet()) {
      if (e.getValue() instanceof Domain.Grid) {
        throw new IllegalArgumentException(
            "TpeSearch does not expand gridSearch (\"" + e.getKey() + "\"): use choice");
      }
    }
    this.metric = metric;
    this.minimize = mode.equals("min");
    this.numSamples = numSamples;
    this.random = new Random(seed);
  }

  @Override
  public Map<String, Object> suggest(String trialId) {
    if (suggested >= numSamples) {
      return null;
    }
    suggested++;
    Map<String, Object> fixed = new LinkedHashMap<>();
    if (observedScores.size() >= initialPoints) {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < observedScores.size(); i++) {
        order.add(i);
      }
      order.sort(
          Comparator.comparingDouble(
              i -> minimize ? observedScores.get(i) : -observedScores.get(i)));
      int nGood = Math.max(1, (int) Math.ceil(gamma * order.size()));
      List<Map<String, Object>> good = new ArrayList<>();
      List<Map<String, Object>> bad = new ArrayList<>();
      for (int k = 0; k < order.size(); k++) {
        (k < nGood ? good : bad).add(observedConfigs.get(order.get(k)));
      }
      for (Map.Entry<String, Domain> e : domains.entrySet()) {
        Object v = propose(e.getKey(), e.getValue(), good, bad);
        if (v != null) {
          fixed.put(e.getKey(), v);
        }
      }
    }
    Map<String, Object> config = Configs.resolve(space, fixed, random);
    pending.put(trialId, config);
    return config;
  }

  private Object propose(
      String path, Domain d, List<Map<String, Object>> good, List<Map<String, Object>> bad) {
    return switch (d) {
      case Domain.FloatRange f -> {
        double u = best(unit(path, good, f), unit(path, bad, f));
        yield f.fromUnit(u);
      }
      case Domain.IntRange r -> {
        Domain.FloatRange asFloat = new Domain.FloatRange(r.lower(), r.upper(), false, 0);
        double u = best(unit(path, good, asFloat), unit(path, bad, asFloat));
        yield (int) Math.min(r.upper() - 1, Math.floor(asFloat.fromUnit(u)));
      }
      case Domain.Categorical c -> categorical(path, c, good, bad);
      default -> null; // sampleFrom: computed from the rest
    };
  }

  private static List<Double> unit(
      String path, List<Map<String, Object>> configs, Domain.FloatRange f) {
    List<Double> out = new ArrayList<>();
    for (Map<String, Object> c : configs) {
      Object v = Configs.get(c, path);
      if (v instanceof Number n) {
        out.add(Math.max(0, Math.min(1, f.toUnit(n.doubleValue()))));
      }
    }
    return out;
  }

  /**
   * An adaptive Parzen estimator on [0, 1] (as HyperOpt builds them): a truncated Gaussian at each
   * point, its width the larger gap to its sorted neighbours (clipped to [1/min(100, n+1), 1]),
   * plus a wide prior component N(0.5, 1) of the same weight, so unexplored ranges stay possible.
   */
  private record Parzen(double[] mu, double[] sigma) {
    static Parzen of(List<Double> points) {
      List<Double> xs = new ArrayList<>(points);
      xs.add(0.5); // the prior's centre
      xs.sort(Double::compare);
      int n = xs.size();
      double[] mu = new double[n];
      double[] sigma = new double[n];
      double minSigma = 1.0 / Math.min(100, n + 1);
      boolean priorPlaced = false;
      for (int i = 0; i < n; i++) {
        mu[i] = xs.get(i);
        if (!priorPlaced && xs.get(i) == 0.5) {
          sigma[i] = 1.0;
          priorPlaced = true;
          continue;
        }
        double left = i > 0 ? xs.get(i) - xs.get(i - 1) : xs.get(i);
        double right = i + 1 < n ? xs.get(i + 1) - xs.get(i) : 1 - xs.get(i);
        sigma[i] = Math.max(minSigma, Math.min(1.0, Math.max(left, right)));
      }
      return new Parzen(mu, sigma);
    }

    double sample(Random r) {
      int i = r.nextInt(mu.length);
      for (int tries = 0; tries < 100; tries++) {
        double u = mu[i] + r.nextGaussian() * sigma[i];
        if (u >= 0 && u <= 1) {
          return u;
        }
      }
      return Math.max(0, Math.min(1, mu[i]));
    }

    double logDensity(double u) {
      double sum = 0;
      for (int i = 0; i < mu.length; i++) {
        double z = (u - mu[i]) / sigma[i];
        double mass = phi((1 - mu[i]) / sigma[i]) - phi((0 - mu[i]) / sigma[i]);
        sum += Math.exp(-0.5 * z * z) / (sigma[i] * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
      }
      return Math.log(sum / mu.length);
    }

    /** The standard normal CDF (Abramowitz and Stegun 7.1.26 for erf). */
    static double phi(double x) {
      double t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.sqrt(2));
      double y =
          1
              - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                      + 0.254829592)
                  * t
                  * Math.exp(-x * x / 2);
      return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
    }
  }

  /** The candidate drawn from the good density with the best good/bad density ratio, in [0, 1]. */
  private double best(List<Double> good, List<Double> bad) {
    Parzen l = Parzen.of(good);
    Parzen g = Parzen.of(bad);
    double bestU = 0.5;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < candidates; i++) {
      double u = l.sample(random);
      double score = l.logDensity(u) - g.logDensity(u);
      if (score > bestScore) {
        bestScore = score;
        bestU = u;
      }
    }
    return bestU;
  }

  private Object categorical(
      String path,
      Domain.Categorical c,
      List<Map<String, Object>> good,
      List<Map<String, Object>> bad) {
    int k = c.values().size();
    double[] g = counts(path, c, good);
    double[] b = counts(path, c, bad);
    Object best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < candidates; i++) {
      int pick = sample(g);
      double score = Math.log(g[pick] / sum(g)) - Math.log(b[pick] / sum(b));
      if (score > bestScore) {
        bestScore = score;
        best = c.values().get(pick);
      }
    }
    return k == 0 ? null : best;
  }

  private static double[] counts(
      String path, Domain.Categorical c, List<Map<String, Object>> configs) {
    double[] n = new double[c.values().size()];
    java.util.Arrays.fill(n, 1.0); // a smoothing prior: every value stays possible
    for (Map<String, Object> cfg : configs) {
      int i = c.values().indexOf(Configs.get(cfg, path));
      if (i >= 0) {
        n[i]++;
      }
    }
    return n;
  }

  private int sample(double[] weights) {
    double r = random.nextDouble() * sum(weights);
    for (int i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r <= 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  private static double sum(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return s;
  }

  @Override
  public void onTrialComplete(String trialId, Map<String, Object> lastResult, boolean error) {
    Map<String, Object> config = pending.remove(trialId);
    if (config == null
        || error
        || lastResult == null
        || !(lastResult.get(metric) instanceof Number n)) {
      return;
    }
    observedConfigs.add(config);
    observedScores.add(n.doubleValue());
  }

  @Override
  public int total() {
    return numSamples;
  }
}
