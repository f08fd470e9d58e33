package io.glint.internal.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.PlacementStrategy;
import io.glint.internal.runtime.common.ResourceSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementPlanTest {
  private static NodeInfo node(String id, double cpus) {
    ResourceSet r = ResourceSet.of("CPU", cpus);
    return NodeInfo.newBuilder()
        .setNodeId(ByteString.copyFromUtf8(id))
        .setTotal(r.toProto())
        .setAvailable(r.toProto())
        .setAlive(true)
        .build();
  }

  private static List<ResourceSet> cpus(int n, double each) {
    return Collections.nCopies(n, ResourceSet.of("CPU", each));
  }

  private static Set<String> ids(List<NodeInfo> plan) {
    Set<String> out = new HashSet<>();
    plan.forEach(n -> out.add(n.getNodeId().toStringUtf8()));
    return out;
  }

  private static List<NodeInfo> plan(
      PlacementStrategy s, List<ResourceSet> bundles, List<NodeInfo> nodes, Set<String> kept) {
    Set<ByteString> k = new HashSet<>();
    kept.forEach(id -> k.add(ByteString.copyFromUtf8(id)));
    return PlacementGroupManager.plan(s, bundles, nodes, k, new String[1]);
  }

  private final List<NodeInfo> three = List.of(node("a", 4), node("b", 4), node("c", 4));

  @Test
  void eachStrategyPlacesAWholeGroup() {
    var none = Set.<String>of();
    assertThat(ids(plan(PlacementStrategy.PLACEMENT_STRATEGY_PACK, cpus(3, 1), three, none)))
        .hasSize(1);
    assertThat(ids(plan(PlacementStrategy.PLACEMENT_STRATEGY_PACK, cpus(3, 4), three, none)))
        .hasSize(3);
    assertThat(ids(plan(PlacementStrategy.PLACEMENT_STRATEGY_STRICT_PACK, cpus(3, 1), three, none)))
        .hasSize(1);
    assertThat(plan(PlacementStrategy.PLACEMENT_STRATEGY_STRICT_PACK, cpus(3, 2), three, none))
        .isNull();
    assertThat(ids(plan(PlacementStrategy.PLACEMENT_STRATEGY_SPREAD, cpus(3, 1), three, none)))
        .hasSize(3);
    assertThat(ids(plan(PlacementStrategy.PLACEMENT_STRATEGY_SPREAD, cpus(4, 1), three, none)))
        .hasSize(3);
    assertThat(plan(PlacementStrategy.PLACEMENT_STRATEGY_STRICT_SPREAD, cpus(4, 1), three, none))
        .isNull();
  }

  @Test
  void replacingLostBundlesRespectsTheBundlesThatStayed() {
    // STRICT_SPREAD: the lost bundle goes to a node the group does not use yet.
    assertThat(
            ids(
                plan(
                    PlacementStrategy.PLACEMENT_STRATEGY_STRICT_SPREAD,
                    cpus(1, 1),
                    three,
                    Set.of("a", "b"))))
        .containsExactly("c");
    assertThat(
            plan(
                PlacementStrategy.PLACEMENT_STRATEGY_STRICT_SPREAD,
                cpus(2, 1),
                three,
                Set.of("a", "b")))
        .isNull();
    // PACK: it joins the nodes that hold the rest when they have room.
    assertThat(ids(plan(PlacementStrategy.PLACEMENT_STRATEGY_PACK, cpus(1, 1), three, Set.of("b"))))
        .containsExactly("b");
    // SPREAD: a node without the group's bundles first.
    assertThat(
            ids(plan(PlacementStrategy.PLACEMENT_STRATEGY_SPREAD, cpus(1, 1), three, Set.of("a"))))
        .doesNotContain("a");
  }
}
