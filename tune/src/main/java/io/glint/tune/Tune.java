package io.glint.tune;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Hyperparameter search on Glint (Ray Tune's names): search spaces, {@link #report} from a
 * trainable, and the seed's {@link #run}. Each trial is an actor with its own resources; schedulers
 * (ASHA, HyperBand, median stopping, PBT) stop or change trials between epochs, searchers (random,
 * grid, TPE) choose their configs.
 *
 * <pre>{@code
 * ResultGrid results = Tune.run(
 *     config -> {
 *       for (int epoch = 0; epoch < (int) config.get("epochs"); epoch++) {
 *         double loss = trainEpoch((double) config.get("lr"), (int) config.get("batch_size"));
 *         Tune.report(Map.of("loss", loss));
 *       }
 *     },
 *     Map.of("lr", Tune.loguniform(1e-4, 1e-1),
 *            "batch_size", Tune.choice(32, 64, 128),
 *            "epochs", 10),
 *     50);
 * System.out.println(results.getBestResult("loss", "min").config());
 * }</pre>
 */
public final class Tune {
  /** The iteration count Tune adds to every report (Ray's {@code training_iteration}). */
  public static final String TRAINING_ITERATION = "training_iteration";

  private Tune() {}

  public static Domain uniform(double lower, double upper) {
    return new Domain.FloatRange(lower, upper, false, 0);
  }

  public static Domain quniform(double lower, double upper, double q) {
    return new Domain.FloatRange(lower, upper, false, q);
  }

  public static Domain loguniform(double lower, double upper) {
    return new Domain.FloatRange(lower, upper, true, 0);
  }

  public static Domain qloguniform(double lower, double upper, double q) {
    return new Domain.FloatRange(lower, upper, true, q);
  }

  /** An integer in {@code [lower, upper)}. */
  public static Domain randint(int lower, int upper) {
    return new Domain.IntRange(lower, upper);
  }

  public static Domain choice(Object... values) {
    return new Domain.Categorical(Arrays.asList(values));
  }

  public static Domain choice(List<?> values) {
    return new Domain.Categorical(values);
  }

  public static Domain gridSearch(Object... values) {
    return new Domain.Grid(Arrays.asList(values));
  }

  /** A value computed from the trial's other values (conditional spaces). */
  public static Domain sampleFrom(Domain.SerializableFunction function) {
    return new Domain.SampleFrom(function);
  }

  /** Reports this epoch's metrics (called by a trainable; returns when the trial may go on). */
  public static void report(Map<String, ?> metrics) {
    report(metrics, null);
  }

  /** Reports metrics and the state to resume from ({@link #getCheckpoint}). */
  @SuppressWarnings("unchecked")
  public static void report(Map<String, ?> metrics, Checkpoint checkpoint) {
    runner().report((Map<String, Object>) metrics, checkpoint);
  }

  /**
   * The checkpoint this trial resumes from (after a failure, a restore or a PBT exploit), or null.
   */
  public static Checkpoint getCheckpoint() {
    return runner().restoreFrom();
  }

  private static TrialRunner runner() {
    TrialRunner r = TrialRunner.CURRENT.get();
    if (r == null) {
      throw new IllegalStateException(
          "Tune.report and Tune.getCheckpoint work inside a trainable that Tune runs");
    }
    return r;
  }

  /** The seed's {@code tune.run(train_fn, config=..., num_samples=50)}: random search, FIFO. */
  public static ResultGrid run(Trainable trainable, Map<String, ?> config, int numSamples) {
    return new Tuner(trainable, config, TuneConfig.builder().numSamples(numSamples).build()).fit();
  }
}
