package io.glint.data.exec;

import io.glint.api.metrics.Gauge;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * Progress of a running dataset: one line per operator (blocks, rows, bytes, rows/s), redrawn in
 * place on a terminal and printed every few seconds elsewhere; the same numbers go to the metrics
 * the dashboard and Prometheus show ({@code glint_data_rows_output}, {@code
 * glint_data_blocks_output}, {@code glint_data_bytes_output}, tagged by dataset and operator).
 */
final class Progress {
  private static final List<String> TAGS = List.of("dataset", "operator");
  private static volatile Gauge rows;
  private static volatile Gauge blocks;
  private static volatile Gauge bytesOut;

  private final String dataset;
  private final List<OpStats> ops;
  private final PrintStream out;
  private final boolean ansi;
  private final long everyNanos;
  private long lastNanos;
  private int drawnLines;

  Progress(String dataset, List<OpStats> ops, PrintStream out, boolean ansi) {
    this.dataset = dataset;
    this.ops = ops;
    this.out = out;
    this.ansi = ansi;
    this.everyNanos = ansi ? 200_000_000L : 2_000_000_000L;
  }

  void tick(boolean last) {
    long now = System.nanoTime();
    if (!last && now - lastNanos < everyNanos) {
      return;
    }
    lastNanos = now;
    publish();
    if (out == null) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    if (ansi && drawnLines > 0) {
      sb.append("\033[").append(drawnLines).append('A');
    }
    for (OpStats s : ops) {
      if (ansi) {
        sb.append("\r\033[2K");
      }
      sb.append(
          String.format(
              "%s %s: %d/%d blocks, %d rows, %s, %.0f rows/s%s%n",
              last ? "✔" : "-",
              s.name,
              s.tasksFinished,
              s.tasksLaunched,
              s.rowsOut,
              bytes(s.bytesOut),
              s.rowsPerSecond(),
              ""));
    }
    drawnLines = ansi ? ops.size() : 0;
    out.print(sb);
    out.flush();
  }

  private void publish() {
    try {
      if (rows == null) {
        rows = new Gauge("glint_data_rows_output", "Rows output by a dataset operator", TAGS);
        blocks = new Gauge("glint_data_blocks_output", "Blocks output by a dataset operator", TAGS);
        bytesOut = new Gauge("glint_data_bytes_output", "Bytes output by a dataset operator", TAGS);
      }
      for (OpStats s : ops) {
        Map<String, String> tags = Map.of("dataset", dataset, "operator", s.name);
        rows.set(s.rowsOut, tags);
        blocks.set(s.blocksOut, tags);
        bytesOut.set(s.bytesOut, tags);
      }
    } catch (RuntimeException e) {
      // metrics are best effort: a driver without a metrics agent still runs its dataset
    }
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format("%.1f KiB", n / 1024.0);
    }
    if (n < 1024L * 1024 * 1024) {
      return String.format("%.1f MiB", n / (1024.0 * 1024));
    }
    return String.format("%.2f GiB", n / (1024.0 * 1024 * 1024));
  }
}
