package io.glint.dashboard;

import io.glint.internal.proto.ActorInfo;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.GetAllActorsRequest;
import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.GetClusterResourcesRequest;
import io.glint.internal.proto.GetObjectStoreStatsRequest;
import io.glint.internal.proto.GetPlacementGroupsRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ObjectStoreStats;
import io.glint.internal.proto.PlacementGroupInfo;
import io.glint.internal.runtime.common.ChannelPool;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the dashboard shows, read from the control service and the node daemons over the same
 * protocol every other Glint process uses (and with the same token).
 */
final class ClusterSource implements AutoCloseable {
  private final ChannelPool channels;
  private final Address control;

  ClusterSource(String token, Address control) {
    this.channels = new ChannelPool(token, null);
    this.control = control;
  }

  ControlServiceGrpc.ControlServiceBlockingStub controlStub() {
    return ControlServiceGrpc.newBlockingStub(channels.get(control))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** Tells drivers where the dashboard is ({@code Glint.dashboardUrl()}), or forgets it (null). */
  void publishUrl(String url) {
    try {
      if (url == null) {
        io.glint.internal.runtime.common.DashboardAddress.withdraw(
            controlStub().withDeadlineAfter(2, TimeUnit.SECONDS));
      } else {
        io.glint.internal.runtime.common.DashboardAddress.publish(controlStub(), url);
      }
    } catch (StatusRuntimeException e) {
      System.getLogger(ClusterSource.class.getName())
          .log(System.Logger.Level.WARNING, "cannot record the dashboard's address: " + e);
    }
  }

  /** Every node (live ones first, with fresh resources) and the live totals. */
  GetClusterResourcesReply cluster() {
    return controlStub().getClusterResources(GetClusterResourcesRequest.getDefaultInstance());
  }

  List<ActorInfo> actors() {
    return controlStub().getAllActors(GetAllActorsRequest.getDefaultInstance()).getActorsList();
  }

  List<PlacementGroupInfo> placementGroups() {
    return controlStub()
        .getPlacementGroups(GetPlacementGroupsRequest.getDefaultInstance())
        .getGroupsList();
  }

  /** The most recent task runs (0: all the service keeps) and the totals. */
  io.glint.internal.proto.GetTaskEventsReply taskEvents(int limit) {
    return controlStub()
        .getTaskEvents(
            io.glint.internal.proto.GetTaskEventsRequest.newBuilder().setLimit(limit).build());
  }

  /** User metrics of every process, merged (io.glint.api.metrics). */
  List<io.glint.internal.proto.MetricSeries> userMetrics() {
    return controlStub()
        .getUserMetrics(io.glint.internal.proto.GetUserMetricsRequest.getDefaultInstance())
        .getSeriesList();
  }

  /** The store of each live node; a node that does not answer is left out. */
  List<ObjectStoreStats> stores(List<NodeInfo> nodes, boolean withObjects) {
    List<ObjectStoreStats> out = new ArrayList<>();
    for (NodeInfo n : nodes) {
      if (!n.getAlive()) {
        continue;
      }
      try {
        out.add(
            NodeServiceGrpc.newBlockingStub(channels.get(n.getAddress()))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .getObjectStoreStats(
                    GetObjectStoreStatsRequest.newBuilder()
                        .setIncludeObjects(withObjects)
                        .build()));
      } catch (StatusRuntimeException e) {
        // the node died meanwhile: it shows as dead at the next refresh
      }
    }
    return out;
  }

  @Override
  public void close() {
    channels.close();
  }
}
