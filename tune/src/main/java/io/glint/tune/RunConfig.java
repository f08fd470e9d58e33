package io.glint.tune;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * Where and how an experiment runs (Ray's {@code RunConfig}): its name and storage directory (each
 * trial's results, checkpoints and the experiment's state, for {@link Tuner#restore}), how often a
 * failed trial is retried, how often progress is printed.
 */
public record RunConfig(
    String name, String storagePath, int maxFailures, double progressIntervalS, boolean verbose)
    implements Serializable {
  public RunConfig {
    if (maxFailures < 0) {
      throw new IllegalArgumentException("maxFailures must be 0 or more, got " + maxFailures);
    }
  }

  /**
   * Under {@code ~/glint_results/<generated name>} ({@code $GLINT_RESULTS_DIR} when set), no
   * retries, progress every 5 s.
   */
  public static RunConfig defaults() {
    return builder().build();
  }

  public Path experimentDir() {
    return Path.of(storagePath).resolve(name);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code GLINT_RESULTS_DIR} when set, else {@code ~/glint_results}. */
  static String defaultStoragePath() {
    String env = System.getenv("GLINT_RESULTS_DIR");
    return env != null && !env.isBlank()
        ? env
        : Path.of(System.getProperty("user.home"), "glint_results").toString();
  }

  /** Builds a {@link RunConfig}. */
  public static final class Builder {
    private String name;
    private String storagePath = defaultStoragePath();
    private int maxFailures;
    private double progressIntervalS = 5;
    private boolean verbose = true;

    private Builder() {}

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder storagePath(String path) {
      this.storagePath = path;
      return this;
    }

    /** How often a failing trial is retried from its last checkpoint (Ray's FailureConfig). */
    public Builder maxFailures(int n) {
      this.maxFailures = n;
      return this;
    }

    public Builder progressIntervalS(double seconds) {
      this.progressIntervalS = seconds;
      return this;
    }

    /** Print the progress table (default yes). */
    public Builder verbose(boolean verbose) {
      this.verbose = verbose;
      return this;
    }

    public RunConfig build() {
      String n =
          name != null
              ? name
              : "glint_tune_"
                  + java.time.LocalDateTime.now()
                      .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss"));
      return new RunConfig(n, storagePath, maxFailures, progressIntervalS, verbose);
    }
  }
}
