package io.glint.tune;

import io.glint.tune.schedulers.FifoScheduler;
import io.glint.tune.schedulers.TrialScheduler;
import io.glint.tune.search.BasicVariantGenerator;
import io.glint.tune.search.Searcher;
import java.io.Serializable;

/**
 * How an experiment searches (Ray's {@code TuneConfig}): the metric and whether to minimise or
 * maximise it, how many trials, the scheduler and search algorithm, how many trials at once, a time
 * budget, the random seed, and whether trial actors are reused (Ray's {@code reuse_actors}).
 */
public record TuneConfig(
    String metric,
    String mode,
    int numSamples,
    TrialScheduler scheduler,
    Searcher searchAlg,
    int maxConcurrentTrials,
    double timeBudgetS,
    long seed,
    boolean reuseActors)
    implements Serializable {
  public TuneConfig {
    if (mode != null && !mode.equals("min") && !mode.equals("max")) {
      throw new IllegalArgumentException("mode must be \"min\" or \"max\", got \"" + mode + "\"");
    }
    if (numSamples < 1) {
      throw new IllegalArgumentException("numSamples must be at least 1, got " + numSamples);
    }
    if (maxConcurrentTrials < 0) {
      throw new IllegalArgumentException("maxConcurrentTrials must be 0 (no limit) or more");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link TuneConfig}. */
  public static final class Builder {
    private String metric;
    private String mode;
    private int numSamples = 1;
    private TrialScheduler scheduler;
    private Searcher searchAlg;
    private int maxConcurrentTrials;
    private double timeBudgetS;
    private long seed = System.nanoTime();
    private boolean reuseActors = true;

    private Builder() {}

    /** The metric to optimise, e.g. {@code "loss"} (schedulers and searchers need it). */
    public Builder metric(String metric) {
      this.metric = metric;
      return this;
    }

    /** {@code "min"} or {@code "max"}. */
    public Builder mode(String mode) {
      this.mode = mode;
      return this;
    }

    /** Trials to run (each grid point this many times, with random search). */
    public Builder numSamples(int numSamples) {
      this.numSamples = numSamples;
      return this;
    }

    public Builder scheduler(TrialScheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    public Builder searchAlg(Searcher searchAlg) {
      this.searchAlg = searchAlg;
      return this;
    }

    /** At most this many trials at once (0: as many as the cluster's resources allow). */
    public Builder maxConcurrentTrials(int n) {
      this.maxConcurrentTrials = n;
      return this;
    }

    /** Stops the experiment after this many seconds (0: no limit). */
    public Builder timeBudgetS(double seconds) {
      this.timeBudgetS = seconds;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Whether a finished trial's actor (its worker process) runs the next trial that asks the same
     * resources, instead of a new actor starting for each (Ray's {@code reuse_actors}, on by
     * default for function trainables as there). Trials without placement groups only. Static state
     * of the trainable's classes then lives on from one trial to the next in that process; turn
     * this off when trials must not share a process.
     */
    public Builder reuseActors(boolean reuseActors) {
      this.reuseActors = reuseActors;
      return this;
    }

    public TuneConfig build() {
      return new TuneConfig(
          metric,
          mode,
          numSamples,
          scheduler == null ? new FifoScheduler() : scheduler,
          searchAlg == null ? new BasicVariantGenerator() : searchAlg,
          maxConcurrentTrials,
          timeBudgetS,
          seed,
          reuseActors);
    }
  }
}
