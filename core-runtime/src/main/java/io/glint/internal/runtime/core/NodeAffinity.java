package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.SchedulingStrategy;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;

/** Whether a task's hard node affinity can ever be satisfied, checked before it is queued. */
final class NodeAffinity {
  private NodeAffinity() {}

  /**
   * Why a hard node affinity can never be satisfied (the node is dead, unknown, or too small); null
   * when it can, or for other strategies. An unknown node is looked up again in a fresh cluster
   * view before it counts as unknown.
   */
  static String problem(CoreWorker worker, SchedulingStrategy s, ResourceSet need) {
    if (!s.hasNodeAffinity() || s.getNodeAffinity().getSoft()) {
      return null;
    }
    ByteString target = s.getNodeAffinity().getNodeId();
    NodeInfo found = find(worker, target);
    if (found == null) {
      worker.refreshClusterViewNow();
      found = find(worker, target);
    }
    if (found == null) {
      return "NodeAffinityError: node " + Ids.hex(target) + " is not part of the cluster";
    }
    if (!found.getAlive()) {
      return "NodeAffinityError: node "
          + Ids.hex(target)
          + " is dead"
          + (found.getDeathReason().isEmpty() ? "" : " (" + found.getDeathReason() + ")");
    }
    if (!need.fitsIn(ResourceSet.fromProto(found.getTotal()))) {
      return "NodeAffinityError: node "
          + Ids.hex(target)
          + " has "
          + ResourceSet.fromProto(found.getTotal()).describe()
          + ", not "
          + need.describe();
    }
    return null;
  }

  private static NodeInfo find(CoreWorker worker, ByteString node) {
    NodeInfo found = null;
    for (NodeInfo n : worker.clusterView()) {
      if (n.getNodeId().equals(node)) {
        found = n;
      }
    }
    return found;
  }
}
