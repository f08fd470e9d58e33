package io.glint.data.exec;

/** What one operator did: blocks, rows and bytes out, tasks, time. */
public final class OpStats {
  final String name;
  long tasksLaunched;
  long tasksFinished;
  long blocksOut;
  long rowsOut;
  long bytesOut;
  long taskNanos;
  long firstLaunchNanos = -1;
  long lastFinishNanos = -1;
  long peakHeldBytes;

  OpStats(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public long blocksOut() {
    return blocksOut;
  }

  public long rowsOut() {
    return rowsOut;
  }

  public long bytesOut() {
    return bytesOut;
  }

  public long tasks() {
    return tasksFinished;
  }

  /** Seconds from the first task's start to the last one's end. */
  public double wallSeconds() {
    if (firstLaunchNanos < 0) {
      return 0;
    }
    long end = lastFinishNanos < 0 ? System.nanoTime() : lastFinishNanos;
    return (end - firstLaunchNanos) / 1e9;
  }

  /** Rows per second over the operator's wall time. */
  public double rowsPerSecond() {
    double s = wallSeconds();
    return s <= 0 ? 0 : rowsOut / s;
  }

  void launched() {
    tasksLaunched++;
    if (firstLaunchNanos < 0) {
      firstLaunchNanos = System.nanoTime();
    }
  }

  void finished(Block b, long taskNanos) {
    tasksFinished++;
    blocksOut++;
    rowsOut += b.rows();
    bytesOut += b.bytes();
    this.taskNanos += taskNanos;
    lastFinishNanos = System.nanoTime();
  }

  /** One line: what Ray's stats() prints per operator. */
  public String summary() {
    return String.format(
        "Operator %s: %d tasks, %d blocks, %d rows, %s, %.2f s wall, %.2f s in tasks, %.0f rows/s",
        name,
        tasksFinished,
        blocksOut,
        rowsOut,
        Progress.bytes(bytesOut),
        wallSeconds(),
        taskNanos / 1e9,
        rowsPerSecond());
  }
}
