package io.glint.tune;

import io.glint.api.Glint;
import io.glint.api.PlacementStrategy;
import io.glint.api.PyFunction;
import io.glint.tune.schedulers.AshaScheduler;
import io.glint.tune.schedulers.FifoScheduler;
import io.glint.tune.schedulers.HyperBandScheduler;
import io.glint.tune.schedulers.MedianStoppingRule;
import io.glint.tune.schedulers.PopulationBasedTraining;
import io.glint.tune.schedulers.TrialScheduler;
import io.glint.tune.search.BasicVariantGenerator;
import io.glint.tune.search.Searcher;
import io.glint.tune.search.TpeSearch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine behind Python's {@code glint.tune} ({@code tune.run}, {@code Tuner(...).fit()}, {@code
 * Tuner.restore}): the Python driver calls {@link #fit} in its own process with the experiment as
 * plain values (spaces, scheduler and searcher as tagged maps, the trainable pickled or named), and
 * gets every trial's result back the same way. Trials are Python actors ({@link
 * PythonTrialActors}); searching, scheduling, results and restore are this module's, as for Java.
 */
public final class PythonTune {
  /** A parameter-space entry's tag (the Python side writes {@code {"__glint_domain__": kind}}). */
  static final String DOMAIN = "__glint_domain__";

  /** Experiments running now in this process (Ctrl-C in Python interrupts them). */
  private static final Set<Tuner> RUNNING = ConcurrentHashMap.newKeySet();

  private PythonTune() {}

  /**
   * Interrupts the experiments running in this process ({@link Tuner#interrupt()}): the Python
   * driver calls it on Ctrl-C. Whether one was running.
   */
  public static boolean interrupt() {
    RUNNING.forEach(Tuner::interrupt);
    return !RUNNING.isEmpty();
  }

  /** Runs (or, with {@code restore}, resumes) the experiment {@code spec} describes. */
  public static Map<String, Object> fit(Map<String, Object> spec) {
    TrialActors actors = new PythonTrialActors(map(spec.get("trainable"), "trainable"));
    ExperimentState state;
    Tuner tuner;
    if (spec.get("restore") instanceof String dir) {
      state = ExperimentStore.load(Path.of(dir));
      tuner = new Tuner(actors, state);
    } else {
      state =
          new ExperimentState(
              space(map(spec.get("param_space"), "param_space")),
              tuneConfig(map(spec.get("tune_config"), "tune_config")),
              runConfig(map(spec.get("run_config"), "run_config")),
              Map.of("CPU", 1.0));
      tuner = new Tuner(actors, state);
      if (spec.get("bundles") instanceof List<?> bundles) {
        List<Map<String, Double>> bs = new ArrayList<>();
        for (Object b : bundles) {
          bs.add(resources(map(b, "bundle")));
        }
        String strategy = spec.get("strategy") instanceof String s ? s : "PACK";
        tuner.withPlacementGroup(bs, PlacementStrategy.valueOf(strategy));
      } else if (spec.get("resources") != null) {
        tuner.withResources(resources(map(spec.get("resources"), "resources")));
      }
    }
    ResultGrid grid;
    RUNNING.add(tuner);
    try {
      grid = tuner.fit();
    } finally {
      RUNNING.remove(tuner);
    }
    List<Map<String, Object>> results = new ArrayList<>();
    for (Result r : grid.results()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("trial_id", r.trialId());
      m.put("config", r.config());
      m.put("metrics", r.metrics());
      m.put("history", r.metricsHistory());
      m.put("error", r.error());
      m.put("path", r.path().toString());
      m.put("checkpoint", r.checkpoint() == null ? null : r.checkpoint().data());
      results.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("experiment_path", grid.experimentPath().toString());
    out.put("metric", state.tuneConfig.metric());
    out.put("mode", state.tuneConfig.mode());
    out.put("results", results);
    return out;
  }

  /** The space with its tagged entries made {@link Domain}s (Ray's {@code grid_search} too). */
  static Map<String, Object> space(Map<String, Object> raw) {
    Map<String, Object> out = new LinkedHashMap<>();
    raw.forEach((k, v) -> out.put(k, value(v)));
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object value(Object v) {
    if (!(v instanceof Map<?, ?> m)) {
      return v;
    }
    if (m.size() == 1 && m.get("grid_search") instanceof List<?> values) {
      return new Domain.Grid(values);
    }
    if (!(m.get(DOMAIN) instanceof String kind)) {
      return space((Map<String, Object>) m);
    }
    return switch (kind) {
      case "float" ->
          new Domain.FloatRange(
              num(m, "lower"), num(m, "upper"), Boolean.TRUE.equals(m.get("log")), num(m, "q"));
      case "int" -> new Domain.IntRange((int) num(m, "lower"), (int) num(m, "upper"));
      case "choice" -> new Domain.Categorical((List<?>) m.get("values"));
      case "sample_from" -> new Domain.SampleFrom(new PySampleFrom((byte[]) m.get("function")));
      default -> throw new IllegalArgumentException("unknown search space entry " + kind);
    };
  }

  static TuneConfig tuneConfig(Map<String, Object> c) {
    TuneConfig.Builder b = TuneConfig.builder();
    if (c.get("metric") instanceof String metric) {
      b.metric(metric);
    }
    if (c.get("mode") instanceof String mode) {
      b.mode(mode);
    }
    if (c.get("num_samples") instanceof Number n) {
      b.numSamples(n.intValue());
    }
    if (c.get("max_concurrent_trials") instanceof Number n) {
      b.maxConcurrentTrials(n.intValue());
    }
    if (c.get("time_budget_s") instanceof Number n) {
      b.timeBudgetS(n.doubleValue());
    }
    if (c.get("seed") instanceof Number n) {
      b.seed(n.longValue());
    }
    if (c.get("reuse_actors") instanceof Boolean reuse) {
      b.reuseActors(reuse);
    }
    if (c.get("scheduler") instanceof Map<?, ?> s) {
      b.scheduler(scheduler(s));
    }
    if (c.get("search_alg") instanceof Map<?, ?> s) {
      b.searchAlg(searcher(s));
    }
    return b.build();
  }

  static RunConfig runConfig(Map<String, Object> c) {
    RunConfig.Builder b = RunConfig.builder();
    if (c.get("name") instanceof String name) {
      b.name(name);
    }
    if (c.get("storage_path") instanceof String path) {
      b.storagePath(path);
    }
    if (c.get("max_failures") instanceof Number n) {
      b.maxFailures(n.intValue());
    }
    if (c.get("verbose") instanceof Boolean verbose) {
      b.verbose(verbose);
    }
    if (c.get("progress_interval_s") instanceof Number n) {
      b.progressIntervalS(n.doubleValue());
    }
    return b.build();
  }

  @SuppressWarnings("unchecked")
  static TrialScheduler scheduler(Map<?, ?> s) {
    return switch ((String) s.get("type")) {
      case "fifo" -> new FifoScheduler();
      case "asha" ->
          new AshaScheduler(
              (int) num(s, "max_t"), (int) num(s, "grace_period"), num(s, "reduction_factor"));
      case "hyperband" -> new HyperBandScheduler((int) num(s, "max_t"), num(s, "reduction_factor"));
      case "median" ->
          new MedianStoppingRule(
              (int) num(s, "grace_period"), (int) num(s, "min_samples_required"));
      case "pbt" -> {
        Map<String, Object> mutations = new LinkedHashMap<>();
        flattenInto("", (Map<String, Object>) s.get("hyperparam_mutations"), mutations);
        yield new PopulationBasedTraining(
            (int) num(s, "perturbation_interval"),
            mutations,
            num(s, "quantile_fraction"),
            num(s, "resample_probability"),
            (long) num(s, "seed"));
      }
      default -> throw new IllegalArgumentException("unknown scheduler " + s.get("type"));
    };
  }

  /** PBT's mutations by path ({@code a/b} for nested keys), as {@link Configs} names them. */
  @SuppressWarnings("unchecked")
  private static void flattenInto(String prefix, Map<String, Object> m, Map<String, Object> out) {
    for (Map.Entry<String, Object> e : m.entrySet()) {
      Object v = value(e.getValue());
      if (v instanceof Map<?, ?> sub) {
        flattenInto(prefix + e.getKey() + "/", (Map<String, Object>) sub, out);
      } else {
        out.put(prefix + e.getKey(), v);
      }
    }
  }

  static Searcher searcher(Map<?, ?> s) {
    return switch ((String) s.get("type")) {
      case "basic" -> new BasicVariantGenerator();
      case "tpe" ->
          new TpeSearch(
              (int) num(s, "n_initial_points"), num(s, "gamma"), (int) num(s, "n_ei_candidates"));
      default -> throw new IllegalArgumentException("unknown search algorithm " + s.get("type"));
    };
  }

  /** Ray's resource names ({@code cpu}, {@code gpu}) and custom ones, as Glint's. */
  static Map<String, Double> resources(Map<String, Object> r) {
    Map<String, Double> out = new LinkedHashMap<>();
    r.forEach(
        (k, v) -> {
          String name =
              switch (k) {
                case "cpu", "CPU", "num_cpus" -> "CPU";
                case "gpu", "GPU", "num_gpus" -> "GPU";
                default -> k;
              };
          out.merge(name, ((Number) v).doubleValue(), Double::sum);
        });
    return out;
  }

  private static double num(Map<?, ?> m, String key) {
    if (!(m.get(key) instanceof Number n)) {
      throw new IllegalArgumentException(key + " must be a number, got " + m.get(key));
    }
    return n.doubleValue();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object v, String what) {
    if (!(v instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(what + " must be a dict, got " + v);
    }
    return (Map<String, Object>) m;
  }

  /**
   * A Python {@code tune.sample_from(fn)}: evaluated by a zero-CPU Python task (so it runs even
   * while trials hold every CPU) with the config resolved so far.
   */
  record PySampleFrom(byte[] function) implements Domain.SerializableFunction {
    private static final PyFunction<Object> EVAL =
        PyFunction.of("glint.tune._trial", "sample_from");
    private static final long TIMEOUT_MS = 120_000;

    @Override
    public Object apply(Map<String, Object> config) {
      return Glint.get(
          Glint.task(EVAL, function, config).setResource("CPU", 0.0).remote(), TIMEOUT_MS);
    }
  }
}
