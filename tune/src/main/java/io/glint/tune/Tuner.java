package io.glint.tune;

import io.glint.api.Glint;
import io.glint.api.PyFunction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An experiment (Ray's {@code Tuner}): a trainable, its parameter space, how to search ({@link
 * TuneConfig}) and where to keep results ({@link RunConfig}). {@link #fit()} runs it, each trial an
 * actor with the resources of {@link #withResources} (1 CPU by default) on the cluster Glint is
 * connected to (an embedded one is started if none is); {@link #restore} resumes one whose driver
 * died, without running finished trials again.
 *
 * <pre>{@code
 * Tuner tuner = new Tuner(train,
 *     Map.of("lr", Tune.loguniform(1e-4, 1e-1), "batch_size", Tune.choice(32, 64, 128)),
 *     TuneConfig.builder().metric("loss").mode("min").numSamples(50)
 *         .scheduler(new AshaScheduler(10, 1, 3)).build());
 * ResultGrid grid = tuner.fit();
 * System.out.println(grid.getBestResult().config());
 * }</pre>
 */
public final class Tuner {
  /** The Java trainable (null for a Python one): what the in-process executor runs. */
  private final Trainable trainable;

  private final TrialActors actors;
  private final ExperimentState state;
  private boolean inProcess;
  private java.io.PrintStream out = System.out;
  private volatile boolean interruptRequested;

  public Tuner(Trainable trainable, Map<String, ?> paramSpace, TuneConfig tuneConfig) {
    this(trainable, paramSpace, tuneConfig, RunConfig.defaults());
  }

  public Tuner(
      Trainable trainable, Map<String, ?> paramSpace, TuneConfig tuneConfig, RunConfig runConfig) {
    this(
        required(trainable),
        new JavaTrialActors(trainable),
        new ExperimentState(paramSpace, tuneConfig, runConfig, Map.of("CPU", 1.0)));
  }

  /**
   * An experiment whose trainable is a Python function ({@code module.function(config)}, calling
   * {@code glint.tune.report(...)} each epoch); its trials are Python actors.
   *
   * <pre>{@code
   * new Tuner(PyFunction.of("mytraining", "train_fn"),
   *     Map.of("lr", Tune.loguniform(1e-4, 1e-1)),
   *     TuneConfig.builder().metric("loss").mode("min").numSamples(20).build()).fit();
   * }</pre>
   */
  public Tuner(PyFunction<?> trainable, Map<String, ?> paramSpace, TuneConfig tuneConfig) {
    this(trainable, paramSpace, tuneConfig, RunConfig.defaults());
  }

  public Tuner(
      PyFunction<?> trainable,
      Map<String, ?> paramSpace,
      TuneConfig tuneConfig,
      RunConfig runConfig) {
    this(
        null,
        PythonTrialActors.of(required(trainable)),
        new ExperimentState(paramSpace, tuneConfig, runConfig, Map.of("CPU", 1.0)));
  }

  /** A Python driver's experiment ({@link PythonTune}). */
  Tuner(TrialActors actors, ExperimentState state) {
    this(null, actors, state);
  }

  private Tuner(Trainable trainable, TrialActors actors, ExperimentState state) {
    this.trainable = trainable;
    this.actors = actors;
    this.state = state;
  }

  private static <T> T required(T trainable) {
    if (trainable == null) {
      throw new IllegalArgumentException("a trainable is required");
    }
    return trainable;
  }

  /** Resources of each trial's actor, e.g. {@code Map.of("CPU", 2.0, "GPU", 1.0)}. */
  public Tuner withResources(Map<String, Double> resources) {
    state.resources.clear();
    state.resources.putAll(resources);
    return this;
  }

  /**
   * Gives each trial a placement group (Ray's {@code PlacementGroupFactory}): the trial's actor
   * runs in bundle 0 with that bundle's resources, and the tasks and actors the trainable starts
   * run in the group's other bundles.
   *
   * <pre>{@code
   * tuner.withPlacementGroup(List.of(Map.of("CPU", 1.0), Map.of("CPU", 2.0), Map.of("CPU", 2.0)),
   *     PlacementStrategy.PACK);
   * }</pre>
   */
  public Tuner withPlacementGroup(
      List<Map<String, Double>> bundles, io.glint.api.PlacementStrategy strategy) {
    if (bundles.isEmpty()) {
      throw new IllegalArgumentException("a trial's placement group needs at least one bundle");
    }
    state.bundles =
        new ArrayList<>(
            bundles.stream().map(b -> (Map<String, Double>) new LinkedHashMap<>(b)).toList());
    state.strategy = strategy;
    return withResources(bundles.get(0));
  }

  /**
   * Runs trials in this process, one step at a time (deterministic for a seed): for tests and quick
   * experiments; schedulers and searchers behave as on a cluster.
   */
  public Tuner inProcess() {
    this.inProcess = true;
    return this;
  }

  /** Where the progress table goes (null: nowhere). */
  public Tuner progressTo(java.io.PrintStream out) {
    this.out = out;
    return this;
  }

  /** Resumes the experiment saved in {@code experimentDir} with the same trainable. */
  public static Tuner restore(Path experimentDir, Trainable trainable) {
    return new Tuner(
        required(trainable), new JavaTrialActors(trainable), ExperimentStore.load(experimentDir));
  }

  /** Resumes the experiment saved in {@code experimentDir} with the same Python trainable. */
  public static Tuner restore(Path experimentDir, PyFunction<?> trainable) {
    return new Tuner(
        null, PythonTrialActors.of(required(trainable)), ExperimentStore.load(experimentDir));
  }

  /**
   * Asks a running {@link #fit()} (on another thread) to end within a second: running trials stop,
   * the state is saved as at a driver's death, and {@code fit()} throws {@link
   * TuneInterruptedException}; {@link #restore} goes on from there.
   */
  public void interrupt() {
    interruptRequested = true;
  }

  /**
   * Runs the experiment to its end and returns every trial's result.
   *
   * @throws TuneInterruptedException when {@link #interrupt()} ended it early
   */
  public ResultGrid fit() {
    if (inProcess && trainable == null) {
      throw new IllegalStateException(
          "inProcess() runs Java trainables; a Python trainable runs in trial actors");
    }
    ExperimentStore store = new ExperimentStore(state.runConfig.experimentDir());
    boolean initHere = false;
    TrialExecutor exec;
    if (inProcess) {
      exec = new LocalTrialExecutor(trainable);
    } else {
      if (!Glint.isInitialized()) {
        Glint.init();
        initHere = true;
      }
      exec =
          new GlintTrialExecutor(
              actors,
              state.resources,
              state.bundles,
              state.strategy,
              state.tuneConfig.reuseActors());
    }
    List<Trial> trials;
    try (exec) {
      trials = new TuneController(state, exec, store, out, () -> interruptRequested).run();
    } finally {
      interruptRequested = false;
      if (initHere) {
        Glint.shutdown();
      }
    }
    List<Result> results = new ArrayList<>();
    for (Trial t : trials) {
      results.add(
          new Result(
              t.id(),
              t.config(),
              t.lastResult() == null ? Map.of() : t.lastResult(),
              t.results(),
              t.status() == Trial.Status.ERROR ? t.error() : null,
              store.trialDir(t),
              t.checkpoint()));
    }
    ResultGrid grid =
        new ResultGrid(results, state.tuneConfig.metric(), state.tuneConfig.mode(), store.dir());
    grid.writeCsv(store.dir().resolve("results.csv"));
    String metric = plotMetric(trials);
    if (metric != null) {
      CurvePlot.write(store.dir().resolve("curves.svg"), trials, metric);
    }
    return grid;
  }

  /** The experiment's metric, else the first number any trial reported. */
  private String plotMetric(List<Trial> trials) {
    if (state.tuneConfig.metric() != null) {
      return state.tuneConfig.metric();
    }
    Map<String, Boolean> auto =
        new LinkedHashMap<>(
            Map.of(Tune.TRAINING_ITERATION, true, "time_total_s", true, "timestamp", true));
    for (Trial t : trials) {
      for (Map<String, Object> r : t.results()) {
        for (Map.Entry<String, Object> e : r.entrySet()) {
          if (e.getValue() instanceof Number && !auto.containsKey(e.getKey())) {
            return e.getKey();
          }
        }
      }
    }
    return null;
  }
}
