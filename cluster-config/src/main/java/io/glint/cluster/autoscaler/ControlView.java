package io.glint.cluster.autoscaler;

import io.glint.internal.proto.ActorInfo;
import io.glint.internal.proto.ActorState;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.GetAllActorsRequest;
import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.GetClusterResourcesRequest;
import io.glint.internal.proto.GetPlacementGroupsRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.PlacementGroupInfo;
import io.glint.internal.proto.PlacementGroupState;
import io.glint.internal.proto.PlacementStrategy;
import io.glint.internal.proto.ResourceDemand;
import io.glint.internal.runtime.common.AutoscalerKeys;
import io.glint.internal.runtime.common.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the control service says about the cluster, in the autoscaler's terms: live nodes by
 * address, and every shape that waits (task leases queued on nodes, actors no node can hold,
 * placement groups not placed, and {@code requestResources}).
 */
final class ControlView {
  /** A live node of the cluster. */
  record LiveNode(
      String host, Map<String, Double> total, Map<String, Double> available, boolean hasDemand) {}

  final List<LiveNode> nodes = new ArrayList<>();
  final List<Map<String, Double>> demands = new ArrayList<>();
  final List<List<Map<String, Double>>> spreadGroups = new ArrayList<>();
  List<Map<String, Double>> requested = List.of();

  static ControlView read(ControlServiceGrpc.ControlServiceBlockingStub stub) {
    ControlServiceGrpc.ControlServiceBlockingStub control =
        stub.withDeadlineAfter(10, TimeUnit.SECONDS);
    ControlView v = new ControlView();
    GetClusterResourcesReply r =
        control.getClusterResources(GetClusterResourcesRequest.getDefaultInstance());
    for (NodeInfo n : r.getNodesList()) {
      if (!n.getAlive()) {
        continue;
      }
      v.nodes.add(
          new LiveNode(
              n.getAddress().getHost(),
              ResourceSet.fromProto(n.getTotal()).toMap(),
              ResourceSet.fromProto(n.getAvailable()).toMap(),
              n.getDemandCount() > 0));
      for (ResourceDemand d : n.getDemandList()) {
        Map<String, Double> shape = ResourceSet.fromProto(d.getShape()).toMap();
        for (int i = 0; i < d.getCount(); i++) {
          v.demands.add(shape);
        }
      }
    }
    for (ActorInfo a :
        stub.withDeadlineAfter(10, TimeUnit.SECONDS)
            .getAllActors(GetAllActorsRequest.getDefaultInstance())
            .getActorsList()) {
      // Actors a node holds in its queue are in that node's demand already.
      if (a.getState() == ActorState.ACTOR_STATE_PENDING_CREATION && a.getNodeId().isEmpty()) {
        v.demands.add(ResourceSet.fromProto(a.getResources()).toMap());
      }
    }
    for (PlacementGroupInfo g :
        stub.withDeadlineAfter(10, TimeUnit.SECONDS)
            .getPlacementGroups(GetPlacementGroupsRequest.getDefaultInstance())
            .getGroupsList()) {
      if (g.getState() != PlacementGroupState.PLACEMENT_GROUP_STATE_PENDING
          && g.getState() != PlacementGroupState.PLACEMENT_GROUP_STATE_RESCHEDULING) {
        continue;
      }
      List<Map<String, Double>> bundles = new ArrayList<>();
      for (int i = 0; i < g.getSpec().getBundlesCount(); i++) {
        // A rescheduling group waits only for the bundles it lost.
        if (i < g.getBundleNodeIdsCount() && !g.getBundleNodeIds(i).isEmpty()) {
          continue;
        }
        bundles.add(ResourceSet.fromProto(g.getSpec().getBundles(i)).toMap());
      }
      PlacementStrategy s = g.getSpec().getStrategy();
      if (s == PlacementStrategy.PLACEMENT_STRATEGY_STRICT_SPREAD) {
        v.spreadGroups.add(bundles);
      } else if (s == PlacementStrategy.PLACEMENT_STRATEGY_STRICT_PACK) {
        v.demands.add(bundles.stream().reduce(Map.of(), Shapes::plus));
      } else {
        v.demands.addAll(bundles);
      }
    }
    v.requested = AutoscalerKeys.requested(stub.withDeadlineAfter(10, TimeUnit.SECONDS));
    return v;
  }
}
