package io.glint.data;

import io.glint.api.Glint;
import io.glint.api.ObjectStoreStats;
import java.io.PrintStream;

/**
 * Settings of dataset execution in this driver (Ray's {@code DataContext.get_current()}): the
 * memory budget for blocks in the object store, parallelism, block size, progress bars.
 *
 * <pre>{@code
 * DataContext.get().setMemoryBudgetBytes(256L << 20).setProgressBars(false);
 * }</pre>
 */
public final class DataContext {
  private static final DataContext CURRENT = new DataContext();

  private volatile long memoryBudgetBytes = -1;
  private volatile double memoryBudgetFraction = 0.5;
  private volatile int parallelism = -1;
  private volatile long targetMaxBlockBytes = 128L << 20;
  private volatile Boolean progressBars;
  private volatile PrintStream progressOutput = System.err;
  private volatile long pollMillis = 100;
  private volatile long timeoutMillis = 0;

  private DataContext() {}

  public static DataContext get() {
    return CURRENT;
  }

  /**
   * Bytes of blocks a running dataset may hold in the object store at once: set, or half the
   * cluster's object store capacity.
   */
  public long memoryBudgetBytes() {
    if (memoryBudgetBytes > 0) {
      return memoryBudgetBytes;
    }
    long capacity = 0;
    for (ObjectStoreStats s : Glint.objectStoreStats()) {
      capacity += s.capacityBytes();
    }
    return Math.max(16L << 20, (long) (capacity * memoryBudgetFraction));
  }

  public DataContext setMemoryBudgetBytes(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("the memory budget must be positive, got " + bytes);
    }
    this.memoryBudgetBytes = bytes;
    return this;
  }

  /** The share of the object store's capacity a dataset may hold (0.5 unless set). */
  public DataContext setMemoryBudgetFraction(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("the fraction must be in (0, 1], got " + fraction);
    }
    this.memoryBudgetFraction = fraction;
    this.memoryBudgetBytes = -1;
    return this;
  }

  /** Tasks an operator runs at once: set, or the cluster's CPUs. */
  public int parallelism() {
    if (parallelism > 0) {
      return parallelism;
    }
    return Math.max(1, (int) Math.round(Glint.clusterResources().getOrDefault("CPU", 1.0)));
  }

  public DataContext setParallelism(int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
    }
    this.parallelism = parallelism;
    return this;
  }

  /** The most bytes of Parquet row groups one read task reads into one block (128 MiB). */
  public long targetMaxBlockBytes() {
    return targetMaxBlockBytes;
  }

  public DataContext setTargetMaxBlockBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("the block size must be positive, got " + bytes);
    }
    this.targetMaxBlockBytes = bytes;
    return this;
  }

  /** Whether runs print progress: set, or when the driver has a terminal. */
  public boolean progressBars() {
    Boolean p = progressBars;
    return p != null ? p : System.console() != null;
  }

  public DataContext setProgressBars(boolean on) {
    this.progressBars = on;
    return this;
  }

  public PrintStream progressOutput() {
    return progressOutput;
  }

  /** Where progress goes (standard error unless set). */
  public DataContext setProgressOutput(PrintStream out) {
    this.progressOutput = out;
    return this;
  }

  /** Whether progress lines are redrawn in place (on a terminal). */
  public boolean ansiProgress() {
    return progressOutput == System.err && System.console() != null;
  }

  public long pollMillis() {
    return pollMillis;
  }

  /** The longest a consumer waits for a run's next block (0, the default: no limit). */
  public long timeoutMillis() {
    return timeoutMillis;
  }

  /**
   * Bounds every wait of a consumer ({@code take}, {@code count}, {@code write*}, each {@code
   * iterBatches} step ...) for the run's next block: past it the run is stopped, its tasks
   * cancelled and its blocks released, and the consumer throws {@link
   * io.glint.api.exception.GetTimeoutException} naming what was running.
   */
  public DataContext setTimeoutMillis(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("the timeout must be at least 0, got " + millis);
    }
    this.timeoutMillis = millis;
    return this;
  }
}
