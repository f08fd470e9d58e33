package io.glint.cluster.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.cluster.autoscaler.ClusterSnapshot.Node;
import io.glint.cluster.autoscaler.ClusterSnapshot.Phase;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.ClusterConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResourceDemandSchedulerTest {
  static final ClusterConfig CONFIG =
      ClusterConfigLoader.parse(
          """
          cluster_name: t
          max_workers: 6
          idle_timeout_minutes: 1
          provider: {type: local}
          available_node_types:
            head: {node_config: {}, resources: {CPU: 0}, max_workers: 0}
            small: {node_config: {}, resources: {CPU: 2}, min_workers: 0, max_workers: 4}
            gpu: {node_config: {}, resources: {CPU: 8, GPU: 1}, min_workers: 0, max_workers: 1}
            always: {node_config: {}, resources: {CPU: 1, special: 1}, min_workers: 1, max_workers: 2}
          """,
          Path.of("t.yaml"));

  static final Map<String, Double> CPU1 = Map.of("CPU", 1.0);

  static Node head() {
    return new Node("h", "head", true, Phase.RUNNING, Map.of("CPU", 0.0), Map.of(), 0, 0);
  }

  static Node always() {
    Map<String, Double> r = Map.of("CPU", 1.0, "special", 1.0);
    return new Node("a", "always", false, Phase.RUNNING, r, r, 0, 0);
  }

  static ClusterSnapshot snapshot(List<Node> nodes, List<Map<String, Double>> demands) {
    return new ClusterSnapshot(nodes, demands, List.of(), List.of());
  }

  ScalingDecision decide(ClusterSnapshot s) {
    return new ResourceDemandScheduler(CONFIG, 60_000).decide(s, Set.of());
  }

  @Test
  void eightOneCpuTasksOnTwoCpuNodesNeedFourNodesOfTheSmallestType() {
    ScalingDecision d = decide(snapshot(List.of(head(), always()), Collections.nCopies(9, CPU1)));
    // One task fits the 'always' node; eight need four 2-CPU nodes (not the 8-CPU GPU type).
    assertThat(d.launch()).containsExactly(Map.entry("small", 4));
    assertThat(d.infeasible()).isEmpty();
  }

  @Test
  void minWorkersAreKeptAndGlobalMaxWorkersBounds() {
    ScalingDecision d = decide(snapshot(List.of(head()), Collections.nCopies(20, CPU1)));
    assertThat(d.launch()).containsEntry("always", 1);
    // max_workers 6 in all: 'always' takes one, the rest is capped at 5 launches this round.
    assertThat(d.launch().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(5);
    assertThat(d.waiting()).containsExactly(CPU1);
  }

  @Test
  void pendingNodesCountAsTheirWholeTypeAndUnknownShapesAreInfeasible() {
    Map<String, Double> two = Map.of("CPU", 2.0);
    Node pending = new Node("p", "small", false, Phase.PENDING, two, two, 0, 1_000);
    ScalingDecision d =
        decide(
            snapshot(
                List.of(head(), always(), pending), List.of(CPU1, CPU1, CPU1, Map.of("TPU", 1.0))));
    assertThat(d.launch()).isEmpty();
    assertThat(d.infeasible()).containsExactly(Map.of("TPU", 1.0));
  }

  @Test
  void idleNodesEndAfterTheTimeoutButNotBelowMinWorkers() {
    Map<String, Double> two = Map.of("CPU", 2.0);
    List<Node> nodes = new ArrayList<>(List.of(head()));
    nodes.add(new Node("a", "always", false, Phase.RUNNING, two, two, 120_000, 120_000));
    nodes.add(new Node("s1", "small", false, Phase.RUNNING, two, two, 61_000, 61_000));
    nodes.add(new Node("s2", "small", false, Phase.RUNNING, two, two, 10_000, 61_000));
    nodes.add(new Node("f", "small", false, Phase.FAILED, two, two, 0, 0));
    nodes.add(new Node("late", "small", false, Phase.PENDING, two, two, 0, 61_000));
    ScalingDecision d = decide(snapshot(nodes, List.of()));
    assertThat(d.terminate().keySet()).containsExactlyInAnyOrder("s1", "f", "late");
    assertThat(d.terminate().get("s1")).startsWith("idle for 61 s");
    assertThat(d.terminate().get("late")).contains("did not join");
  }

  @Test
  void idleNodesStayWhileWorkTheyCouldRunWaits() {
    Map<String, Double> two = Map.of("CPU", 2.0);
    List<Node> nodes = new ArrayList<>(List.of(head(), always()));
    nodes.add(new Node("s1", "small", false, Phase.RUNNING, two, Map.of("CPU", 0.0), 0, 61_000));
    nodes.add(new Node("s2", "small", false, Phase.RUNNING, two, two, 61_000, 61_000));
    // Three one-CPU tasks wait (queued where they were sent) while s2 is idle: s2 stays.
    ScalingDecision d = decide(snapshot(nodes, Collections.nCopies(3, CPU1)));
    assertThat(d.terminate()).doesNotContainKey("s2");
  }

  @Test
  void strictSpreadBundlesEachGetANodeOfTheirOwn() {
    ScalingDecision d =
        decide(
            new ClusterSnapshot(
                List.of(head(), always()),
                List.of(),
                List.of(List.of(CPU1, CPU1, CPU1)),
                List.of()));
    // One bundle on 'always'; two more need two new nodes (not one 2-CPU node).
    assertThat(d.launch()).containsExactly(Map.entry("small", 2));
  }

  @Test
  void requestedResourcesCountAgainstTotalsAndBackedOffTypesWait() {
    ClusterSnapshot s =
        new ClusterSnapshot(
            List.of(head(), always()), List.of(), List.of(), List.of(Map.of("GPU", 1.0)));
    assertThat(decide(s).launch()).containsExactly(Map.entry("gpu", 1));
    ScalingDecision backedOff =
        new ResourceDemandScheduler(CONFIG, 60_000).decide(s, Set.of("gpu"));
    assertThat(backedOff.launch()).isEmpty();
    assertThat(backedOff.waiting()).containsExactly(Map.of("GPU", 1.0));
  }
}
