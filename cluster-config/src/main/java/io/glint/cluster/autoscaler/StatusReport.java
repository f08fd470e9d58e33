package io.glint.cluster.autoscaler;

import io.glint.cluster.autoscaler.ClusterSnapshot.Node;
import io.glint.cluster.autoscaler.ClusterSnapshot.Phase;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.NodeType;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The autoscaler's section of {@code glint status}, rebuilt every round. */
final class StatusReport {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private final ClusterConfig config;
  private final Clock clock;
  private final Deque<String> events = new ArrayDeque<>();
  private final Deque<String> failures = new ArrayDeque<>();
  private volatile String text = "";

  StatusReport(ClusterConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  synchronized void event(String what) {
    add(events, what);
  }

  synchronized void failure(String what) {
    add(failures, what);
    add(events, what.lines().findFirst().orElse(what));
  }

  private void add(Deque<String> to, String what) {
    to.addLast(TIME.format(Instant.ofEpochMilli(clock.millis())) + " " + what);
    while (to.size() > 20) {
      to.removeFirst();
    }
  }

  String text() {
    return text;
  }

  synchronized void publish(
      ClusterSnapshot s, ScalingDecision d, Set<String> backedOff, Map<String, String> updating) {
    StringBuilder b = new StringBuilder();
    b.append("Autoscaler (cluster ")
        .append(config.clusterName())
        .append(", provider ")
        .append(config.provider().type())
        .append(", updated ")
        .append(TIME.format(Instant.ofEpochMilli(clock.millis())))
        .append("):\n");
    b.append(" Node types (running/min..max):");
    for (NodeType t : config.workerTypes()) {
      long running =
          s.nodes().stream()
              .filter(n -> !n.head() && n.type().equals(t.name()) && n.phase() == Phase.RUNNING)
              .count();
      b.append(' ')
          .append(t.name())
          .append(' ')
          .append(running)
          .append('/')
          .append(t.minWorkers())
          .append("..")
          .append(t.maxWorkers())
          .append(backedOff.contains(t.name()) ? " (backing off)" : "");
    }
    b.append(", at most ").append(config.maxWorkers()).append(" workers\n");
    Map<String, Integer> healthy = new TreeMap<>();
    for (Node n : s.nodes()) {
      if (n.phase() == Phase.RUNNING) {
        healthy.merge(n.head() ? "head node (type " + n.type() + ")" : n.type(), 1, Integer::sum);
      }
    }
    b.append(" Healthy:\n");
    healthy.forEach((k, v) -> b.append("  ").append(v).append(' ').append(k).append('\n'));
    b.append(" Pending:\n");
    if (updating.isEmpty() && d.launch().isEmpty()) {
      b.append("  (no pending nodes)\n");
    }
    updating.forEach((id, st) -> b.append("  ").append(id).append(' ').append(st).append('\n'));
    d.launch()
        .forEach((t, n) -> b.append("  ").append(n).append(' ').append(t).append(", launching\n"));
    for (Node n : s.nodes()) {
      if (n.phase() == Phase.RUNNING && !n.head() && n.idleMillis() > 0) {
        b.append("  ")
            .append(n.id())
            .append(" (")
            .append(n.type())
            .append(") idle for ")
            .append(n.idleMillis() / 1000)
            .append(" s (idle nodes above min_workers end after ")
            .append(Math.round(config.idleTimeoutMinutes() * 60))
            .append(" s)\n");
      }
    }
    b.append(" Demands:\n");
    Map<String, Integer> waiting = new LinkedHashMap<>();
    s.demands().forEach(x -> waiting.merge(Shapes.describe(x), 1, Integer::sum));
    s.spreadGroups()
        .forEach(
            g ->
                g.forEach(
                    x -> waiting.merge(Shapes.describe(x) + " (STRICT_SPREAD)", 1, Integer::sum)));
    if (waiting.isEmpty() && s.requested().isEmpty()) {
      b.append("  (no resource demands)\n");
    }
    waiting.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append(" waiting\n"));
    if (!s.requested().isEmpty()) {
      b.append("  requested (requestResources): ")
          .append(s.requested().size())
          .append(" bundles\n");
    }
    for (Map<String, Double> x : d.infeasible()) {
      b.append("  ").append(Shapes.describe(x)).append(": infeasible, no node type can hold it\n");
    }
    list(b, " Recent failures:", failures);
    list(b, " Recent events:", events);
    text = b.toString();
  }

  private static void list(StringBuilder b, String title, Deque<String> items) {
    if (items.isEmpty()) {
      return;
    }
    b.append(title).append('\n');
    List<String> last = List.copyOf(items);
    for (String e : last.subList(Math.max(0, last.size() - 10), last.size())) {
      b.append("  ").append(e.replace("\n", "\n    ")).append('\n');
    }
  }
}
