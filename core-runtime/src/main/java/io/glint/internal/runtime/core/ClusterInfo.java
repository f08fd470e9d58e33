package io.glint.internal.runtime.core;

import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import java.util.ArrayList;
import java.util.List;

/** The control service's view of the cluster in the public API's terms ({@code Glint.nodes()}). */
final class ClusterInfo {
  private ClusterInfo() {}

  static List<io.glint.api.NodeInfo> nodes(GetClusterResourcesReply r) {
    List<io.glint.api.NodeInfo> out = new ArrayList<>();
    for (NodeInfo n : r.getNodesList()) {
      out.add(
          new io.glint.api.NodeInfo(
              Ids.hex(n.getNodeId()),
              n.getNodeName(),
              n.getAddress().getHost() + ":" + n.getAddress().getPort(),
              n.getAlive(),
              ResourceSet.fromProto(n.getTotal()).toMap(),
              ResourceSet.fromProto(n.getAvailable()).toMap()));
    }
    return out;
  }
}
