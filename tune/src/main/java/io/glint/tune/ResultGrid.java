package io.glint.tune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every trial's {@link Result} (Ray's {@code ResultGrid}): the best one by a metric, the errors,
 * and the whole as a table ({@link #toTable()}, {@link #writeCsv}), one row per trial with its
 * config and last metrics.
 */
public final class ResultGrid {
  private final List<Result> results;
  private final String metric;
  private final String mode;
  private final Path experimentPath;

  ResultGrid(List<Result> results, String metric, String mode, Path experimentPath) {
    this.results = List.copyOf(results);
    this.metric = metric;
    this.mode = mode;
    this.experimentPath = experimentPath;
  }

  public int size() {
    return results.size();
  }

  public Result get(int i) {
    return results.get(i);
  }

  public List<Result> results() {
    return results;
  }

  /** Where the experiment's files are (give it to {@link Tuner#restore}). */
  public Path experimentPath() {
    return experimentPath;
  }

  /** Trials that ended in an error (after their retries). */
  public List<Result> errors() {
    return results.stream().filter(r -> r.error() != null).toList();
  }

  /** The best trial by the experiment's metric and mode, judged by each trial's last report. */
  public Result getBestResult() {
    if (metric == null || mode == null) {
      throw new IllegalStateException(
          "this experiment has no metric and mode: call getBestResult(metric, mode)");
    }
    return getBestResult(metric, mode);
  }

  public Result getBestResult(String metric, String mode) {
    if (!mode.equals("min") && !mode.equals("max")) {
      throw new IllegalArgumentException("mode must be \"min\" or \"max\", got \"" + mode + "\"");
    }
    Comparator<Result> by = Comparator.comparingDouble(r -> r.metric(metric));
    return results.stream()
        .filter(r -> !Double.isNaN(r.metric(metric)))
        .min(mode.equals("min") ? by : by.reversed())
        .orElseThrow(() -> new IllegalStateException("no trial reported \"" + metric + "\""));
  }

  /** Config keys (as {@code config/<key>}) and metric names, in first-seen order. */
  private List<String> columns() {
    Set<String> cols = new LinkedHashSet<>();
    cols.add("trial_id");
    for (Result r : results) {
      Configs.flatten(r.config()).keySet().forEach(k -> cols.add("config/" + k));
    }
    for (Result r : results) {
      if (r.metrics() != null) {
        r.metrics().keySet().forEach(cols::add);
      }
    }
    cols.add("error");
    return new ArrayList<>(cols);
  }

  private List<List<String>> rows(List<String> cols) {
    List<List<String>> rows = new ArrayList<>();
    for (Result r : results) {
      Map<String, Object> flat = Configs.flatten(r.config());
      List<String> row = new ArrayList<>();
      for (String c : cols) {
        Object v =
            c.equals("trial_id")
                ? r.trialId()
                : c.equals("error")
                    ? (r.error() == null ? "" : firstLine(r.error()))
                    : c.startsWith("config/")
                        ? flat.get(c.substring(7))
                        : r.metrics() == null ? null : r.metrics().get(c);
        row.add(v == null ? "" : String.valueOf(v));
      }
      rows.add(row);
    }
    return rows;
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** A dataframe-like text table: one row per trial. */
  public String toTable() {
    List<String> cols = columns();
    return ProgressReporter.table(cols, rows(cols));
  }

  /** The same table as CSV. */
  public void writeCsv(Path file) {
    List<String> cols = columns();
    StringBuilder sb = new StringBuilder(String.join(",", cols)).append('\n');
    for (List<String> row : rows(cols)) {
      sb.append(String.join(",", row.stream().map(ResultGrid::csv).toList())).append('\n');
    }
    try {
      Files.writeString(file, sb);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String csv(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n")
        ? "\"" + s.replace("\"", "\"\"") + "\""
        : s;
  }
}
