package io.glint.tune;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The experiment's progress on the terminal, as Ray Tune prints it: how many trials in each state,
 * the best so far, and a table of trials (state, config, iterations, last metric).
 */
final class ProgressReporter {
  private static final int MAX_ROWS = 20;
  private final PrintStream out;
  private final double intervalS;
  private final String metric;
  private final String mode;
  private long last;

  ProgressReporter(PrintStream out, double intervalS, String metric, String mode) {
    this.out = out;
    this.intervalS = intervalS;
    this.metric = metric;
    this.mode = mode;
    this.last = System.nanoTime();
  }

  void maybePrint(List<Trial> trials, double elapsedS) {
    if (out != null && (System.nanoTime() - last) / 1e9 >= intervalS) {
      print(trials, elapsedS);
    }
  }

  void print(List<Trial> trials, double elapsedS) {
    if (out == null) {
      return;
    }
    last = System.nanoTime();
    Map<Trial.Status, Integer> counts = new EnumMap<>(Trial.Status.class);
    for (Trial t : trials) {
      counts.merge(t.status(), 1, Integer::sum);
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("== Tune status: %.1f s, %d trials ", elapsedS, trials.size()));
    counts.forEach((s, n) -> sb.append(n).append(' ').append(s).append(' '));
    sb.append("==\n");
    Trial best = best(trials);
    if (best != null) {
      sb.append("Best so far: ")
          .append(metric)
          .append('=')
          .append(fmt(best.last(metric)))
          .append(" (")
          .append(best.id())
          .append(", ")
          .append(Configs.flatten(best.config()))
          .append(")\n");
    }
    List<String> cols = new ArrayList<>(List.of("trial", "status"));
    List<String> params = new ArrayList<>();
    if (!trials.isEmpty()) {
      params.addAll(Configs.flatten(trials.get(0).config()).keySet());
    }
    cols.addAll(params);
    cols.add("iter");
    List<String> shown = shownMetrics(trials);
    cols.addAll(shown);
    List<List<String>> rows = new ArrayList<>();
    for (Trial t : trials.subList(Math.max(0, trials.size() - MAX_ROWS), trials.size())) {
      List<String> row = new ArrayList<>(List.of(t.id(), t.status().name()));
      Map<String, Object> flat = Configs.flatten(t.config());
      for (String p : params) {
        row.add(fmt(flat.get(p)));
      }
      row.add(Integer.toString(t.iteration()));
      for (String m : shown) {
        row.add(fmt(t.last(m)));
      }
      rows.add(row);
    }
    sb.append(table(cols, rows));
    if (trials.size() > MAX_ROWS) {
      sb.append("... and ").append(trials.size() - MAX_ROWS).append(" earlier trials\n");
    }
    out.print(sb);
    out.flush();
  }

  /**
   * The experiment's metric; without one, the first few numbers the trials report (as Ray shows
   * every reported metric), leaving out Tune's own counters.
   */
  private List<String> shownMetrics(List<Trial> trials) {
    if (metric != null) {
      return List.of(metric);
    }
    java.util.Set<String> keys = new java.util.LinkedHashSet<>();
    for (Trial t : trials) {
      if (t.lastResult() != null) {
        t.lastResult()
            .forEach(
                (k, v) -> {
                  if (v instanceof Number && !AUTO.contains(k) && keys.size() < MAX_METRICS) {
                    keys.add(k);
                  }
                });
      }
    }
    return new ArrayList<>(keys);
  }

  private static final java.util.Set<String> AUTO =
      java.util.Set.of(Tune.TRAINING_ITERATION, "time_total_s", "timestamp");
  private static final int MAX_METRICS = 3;

  private Trial best(List<Trial> trials) {
    if (metric == null || mode == null) {
      return null;
    }
    Trial best = null;
    for (Trial t : trials) {
      double v = t.last(metric);
      if (!Double.isNaN(v)
          && (best == null
              || (mode.equals("min") ? v < best.last(metric) : v > best.last(metric)))) {
        best = t;
      }
    }
    return best;
  }

  static String fmt(Object v) {
    if (v instanceof Double d) {
      if (d.isNaN()) {
        return "";
      }
      return Math.abs(d) >= 1e-3 && Math.abs(d) < 1e5
          ? String.format("%.4f", d)
          : String.format("%.4g", d);
    }
    return v == null ? "" : String.valueOf(v);
  }

  /** A plain text table with a header rule. */
  static String table(List<String> cols, List<List<String>> rows) {
    int[] w = new int[cols.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = cols.get(i).length();
      for (List<String> r : rows) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, cols, w);
    for (int i = 0; i < w.length; i++) {
      sb.append("-".repeat(w[i])).append(i + 1 < w.length ? "  " : "\n");
    }
    for (List<String> r : rows) {
      line(sb, r, w);
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, List<String> cells, int[] w) {
    for (int i = 0; i < w.length; i++) {
      String c = cells.get(i);
      sb.append(c).append(" ".repeat(w[i] - c.length())).append(i + 1 < w.length ? "  " : "\n");
    }
  }
}
