package io.glint.cluster.autoscaler;

import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.NodeType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One autoscaler round, as a pure function of a {@link ClusterSnapshot}: bin-packs what waits onto
 * the nodes there are (free resources of running nodes, whole types of pending ones), then onto new
 * nodes of the smallest type that holds each shape, within each type's {@code max_workers}, the
 * cluster's {@code max_workers} and {@code upscaling_speed}; keeps every type at its {@code
 * min_workers}; ends worker nodes idle for {@code idle_timeout_minutes} (never below {@code
 * min_workers}), nodes whose set-up failed and nodes that never joined. Ray's {@code
 * resource_demand_scheduler} does the same job.
 */
public final class ResourceDemandScheduler {
  private final ClusterConfig config;
  private final long joinTimeoutMillis;

  /**
   * @param joinTimeoutMillis how long a launched node may take to join before it is ended
   */
  public ResourceDemandScheduler(ClusterConfig config, long joinTimeoutMillis) {
    this.config = config;
    this.joinTimeoutMillis = joinTimeoutMillis;
  }

  /** A node planned in this round: its type and what is still free on it. */
  private record Planned(NodeType type, Map<String, Double> free, Set<Integer> groups) {}

  /**
   * Decides one round.
   *
   * @param backedOff node types whose launches failed recently: none are launched this round
   */
  public ScalingDecision decide(ClusterSnapshot s, Set<String> backedOff) {
    List<ClusterSnapshot.Node> workers = s.nodes().stream().filter(n -> !n.head()).toList();
    Map<String, Integer> count = new HashMap<>();
    for (ClusterSnapshot.Node n : workers) {
      if (n.phase() != ClusterSnapshot.Phase.FAILED) {
        count.merge(n.type(), 1, Integer::sum);
      }
    }
    // What is free now: a running node's free resources, a pending node's whole type.
    List<Map<String, Double>> free = new ArrayList<>();
    List<Map<String, Double>> totals = new ArrayList<>();
    for (ClusterSnapshot.Node n : s.nodes()) {
      if (n.phase() != ClusterSnapshot.Phase.FAILED) {
        free.add(new LinkedHashMap<>(n.available()));
        totals.add(new LinkedHashMap<>(n.total()));
      }
    }
    List<Map<String, Double>> unmet = fitAll(s.demands(), free);
    List<Planned> planned = new ArrayList<>();
    Map<String, Integer> launch = new LinkedHashMap<>();
    List<Map<String, Double>> infeasible = new ArrayList<>();
    List<Map<String, Double>> waiting = new ArrayList<>();
    for (Map<String, Double> shape : unmet) {
      place(shape, -1, planned, launch, count, backedOff, infeasible, waiting);
    }
    // A STRICT_SPREAD group's bundles: each on a node of its own.
    for (int g = 0; g < s.spreadGroups().size(); g++) {
      List<Map<String, Double>> bundles = s.spreadGroups().get(g);
      List<Map<String, Double>> nodesFree = new ArrayList<>(free);
      for (Map<String, Double> b : bundles) {
        Map<String, Double> home = null;
        for (Map<String, Double> f : nodesFree) {
          if (Shapes.fits(b, f)) {
            home = f;
            break;
          }
        }
        if (home != null) {
          nodesFree.remove(home);
          home.putAll(Shapes.minus(home, b));
        } else {
          place(b, g, planned, launch, count, backedOff, infeasible, waiting);
        }
      }
    }
    // requestResources: the cluster must be able to hold these at once, whatever runs now.
    List<Map<String, Double>> capacity = new ArrayList<>(totals);
    planned.forEach(p -> capacity.add(new LinkedHashMap<>(p.type().resources())));
    for (Map<String, Double> shape : fitAll(s.requested(), capacity)) {
      place(shape, -1, planned, launch, count, backedOff, infeasible, waiting);
    }
    // min_workers.
    int workerCount = count.values().stream().mapToInt(Integer::intValue).sum();
    for (NodeType t : config.workerTypes()) {
      int have = count.getOrDefault(t.name(), 0);
      int need = t.minWorkers() - have;
      while (need-- > 0
          && workerCount + launched(launch) < config.maxWorkers()
          && !backedOff.contains(t.name())) {
        launch.merge(t.name(), 1, Integer::sum);
        count.merge(t.name(), 1, Integer::sum);
      }
    }
    // upscaling_speed: how many nodes may be pending at once.
    long running = workers.stream().filter(n -> n.phase() == ClusterSnapshot.Phase.RUNNING).count();
    long pending = workers.stream().filter(n -> n.phase() == ClusterSnapshot.Phase.PENDING).count();
    long allowed =
        Math.max(5, (long) Math.ceil(config.upscalingSpeed() * Math.max(1, running))) - pending;
    trim(launch, Math.max(0, allowed));
    // A type some waiting shape fits keeps its idle nodes: the work is on its way to them.
    Set<String> wanted = new HashSet<>(launch.keySet());
    for (NodeType t : config.workerTypes()) {
      if (s.demands().stream().anyMatch(t::fits)
          || s.spreadGroups().stream().flatMap(List::stream).anyMatch(t::fits)) {
        wanted.add(t.name());
      }
    }
    return new ScalingDecision(
        launch, terminations(workers, wanted), distinct(infeasible), distinct(waiting));
  }

  private static int launched(Map<String, Integer> launch) {
    return launch.values().stream().mapToInt(Integer::intValue).sum();
  }

  private static void trim(Map<String, Integer> launch, long allowed) {
    long left = allowed;
    for (var e : launch.entrySet()) {
      int n = (int) Math.min(e.getValue(), left);
      e.setValue(n);
      left -= n;
    }
    launch.values().removeIf(v -> v == 0);
  }

  /** Places a shape on a planned node (not one its spread group uses), else plans a new one. */
  private void place(
      Map<String, Double> shape,
      int group,
      List<Planned> planned,
      Map<String, Integer> launch,
      Map<String, Integer> count,
      Set<String> backedOff,
      List<Map<String, Double>> infeasible,
      List<Map<String, Double>> waiting) {
    for (Planned p : planned) {
      if ((group < 0 || !p.groups().contains(group)) && Shapes.fits(shape, p.free())) {
        p.free().putAll(Shapes.minus(p.free(), shape));
        if (group >= 0) {
          p.groups().add(group);
        }
        return;
      }
    }
    List<NodeType> fitting =
        config.workerTypes().stream()
            .filter(t -> t.fits(shape))
            // Types without resources the shape does not ask for (GPUs, custom ones) first, so
            // that a CPU task does not take a GPU node; then the smallest.
            .sorted(
                Comparator.comparingLong((NodeType t) -> unasked(t, shape))
                    .thenComparingDouble(t -> Shapes.size(t.resources()))
                    .thenComparing(NodeType::name))
            .toList();
    if (fitting.isEmpty()) {
      if (!config.headType().fits(shape)) {
        infeasible.add(shape);
      } else {
        waiting.add(shape);
      }
      return;
    }
    int workers = count.values().stream().mapToInt(Integer::intValue).sum();
    for (NodeType t : fitting) {
      if (backedOff.contains(t.name())
          || count.getOrDefault(t.name(), 0) >= t.maxWorkers()
          || workers >= config.maxWorkers()) {
        continue;
      }
      launch.merge(t.name(), 1, Integer::sum);
      count.merge(t.name(), 1, Integer::sum);
      Set<Integer> groups = new HashSet<>();
      if (group >= 0) {
        groups.add(group);
      }
      planned.add(new Planned(t, Shapes.minus(t.resources(), shape), groups));
      return;
    }
    waiting.add(shape);
  }

  private static long unasked(NodeType t, Map<String, Double> shape) {
    return t.resources().entrySet().stream()
        .filter(e -> e.getValue() > 0 && shape.getOrDefault(e.getKey(), 0.0) <= 0)
        .filter(e -> !e.getKey().equals("CPU") && !e.getKey().equals("memory"))
        .count();
  }

  /** First fit, biggest shapes first; what did not fit. */
  static List<Map<String, Double>> fitAll(
      List<Map<String, Double>> shapes, List<Map<String, Double>> free) {
    List<Map<String, Double>> sorted = new ArrayList<>(shapes);
    sorted.sort(Comparator.comparingDouble(Shapes::size).reversed());
    List<Map<String, Double>> unmet = new ArrayList<>();
    for (Map<String, Double> shape : sorted) {
      Map<String, Double> home = null;
      for (Map<String, Double> f : free) {
        if (Shapes.fits(shape, f)) {
          home = f;
          break;
        }
      }
      if (home == null) {
        unmet.add(shape);
      } else {
        Map<String, Double> left = Shapes.minus(home, shape);
        home.clear();
        home.putAll(left);
      }
    }
    return unmet;
  }

  private Map<String, String> terminations(List<ClusterSnapshot.Node> workers, Set<String> wanted) {
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, Integer> left = new HashMap<>();
    for (ClusterSnapshot.Node n : workers) {
      if (n.phase() != ClusterSnapshot.Phase.FAILED) {
        left.merge(n.type(), 1, Integer::sum);
      }
    }
    long idleLimit = (long) (config.idleTimeoutMinutes() * 60_000);
    // Longest idle first, so the ones kept are the most recently used.
    List<ClusterSnapshot.Node> byIdle = new ArrayList<>(workers);
    byIdle.sort(Comparator.comparingLong(ClusterSnapshot.Node::idleMillis).reversed());
    for (ClusterSnapshot.Node n : byIdle) {
      NodeType t = config.nodeTypes().get(n.type());
      if (n.phase() == ClusterSnapshot.Phase.FAILED) {
        out.put(n.id(), "its set-up failed");
      } else if (t == null) {
        out.put(n.id(), "its node type '" + n.type() + "' is no longer in the config");
        left.merge(n.type(), -1, Integer::sum);
      } else if (left.getOrDefault(n.type(), 0) > t.maxWorkers()) {
        out.put(n.id(), "more than max_workers (" + t.maxWorkers() + ") of " + n.type());
        left.merge(n.type(), -1, Integer::sum);
      } else if (n.phase() == ClusterSnapshot.Phase.PENDING
          && n.phaseMillis() > joinTimeoutMillis) {
        out.put(n.id(), "it did not join the cluster within " + joinTimeoutMillis / 1000 + " s");
        left.merge(n.type(), -1, Integer::sum);
      } else if (n.phase() == ClusterSnapshot.Phase.RUNNING
          && n.idleMillis() >= idleLimit
          && !wanted.contains(n.type())
          && left.getOrDefault(n.type(), 0) > t.minWorkers()) {
        out.put(n.id(), "idle for " + Math.round(n.idleMillis() / 1000.0) + " s");
        left.merge(n.type(), -1, Integer::sum);
      }
    }
    return out;
  }

  private static List<Map<String, Double>> distinct(List<Map<String, Double>> shapes) {
    return List.copyOf(new java.util.LinkedHashSet<>(shapes));
  }
}
