package io.glint.dashboard;

import io.glint.internal.proto.ActorInfo;
import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.ObjectStoreStats;
import io.glint.internal.proto.PlacementGroupInfo;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster's state as Prometheus metrics, named like Ray's with a {@code glint_} prefix, read
 * fresh at each scrape (the control service and nodes hold the truth; nothing is cached here).
 */
final class ClusterMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();

  {
    // The head process's own JVM (heap, GC, threads), as each node daemon's endpoint has its own.
    io.prometheus.metrics.instrumentation.jvm.JvmMetrics.builder().register(registry);
  }

  private final Gauge tasks =
      Gauge.builder()
          .name("glint_tasks")
          .help("Tasks run since the cluster started, by final state (FINISHED, FAILED)")
          .labelNames("State")
          .register(registry);

  private final Gauge activeNodes =
      Gauge.builder()
          .name("glint_cluster_active_nodes")
          .help("Nodes alive in the cluster")
          .register(registry);
  private final Gauge deadNodes =
      Gauge.builder()
          .name("glint_cluster_dead_nodes")
          .help("Nodes the cluster declared dead")
          .register(registry);
  private final Gauge resources =
      Gauge.builder()
          .name("glint_resources")
          .help("Logical resources per node, used or available (Ray's ray_resources)")
          .labelNames("Name", "State", "NodeId")
          .register(registry);
  private final Gauge storeUsed =
      Gauge.builder()
          .name("glint_object_store_used_memory_bytes")
          .help("Bytes held in a node's object store")
          .labelNames("NodeId")
          .register(registry);
  private final Gauge storeCapacity =
      Gauge.builder()
          .name("glint_object_store_capacity_bytes")
          .help("A node's object store capacity")
          .labelNames("NodeId")
          .register(registry);
  private final Gauge storeObjects =
      Gauge.builder()
          .name("glint_object_store_num_local_objects")
          .help("Objects in a node's object store")
          .labelNames("NodeId")
          .register(registry);
  private final Gauge spilled =
      Gauge.builder()
          .name("glint_spill_manager_spilled_bytes_total")
          .help("Bytes a node spilled to disk since it started")
          .labelNames("NodeId")
          .register(registry);
  private final Gauge restored =
      Gauge.builder()
          .name("glint_spill_manager_restored_bytes_total")
          .help("Bytes a node restored from disk since it started")
          .labelNames("NodeId")
          .register(registry);
  private final Gauge sent =
      Gauge.builder()
          .name("glint_object_manager_sent_bytes_total")
          .help("Object bytes a node sent to other nodes")
          .labelNames("NodeId")
          .register(registry);
  private final Gauge received =
      Gauge.builder()
          .name("glint_object_manager_received_bytes_total")
          .help("Object bytes a node received from other nodes")
          .labelNames("NodeId")
          .register(registry);
  private final Gauge actors =
      Gauge.builder()
          .name("glint_actors")
          .help("Actors by state")
          .labelNames("State")
          .register(registry);
  private final Gauge groups =
      Gauge.builder()
          .name("glint_placement_groups")
          .help("Placement groups by state")
          .labelNames("State")
          .register(registry);

  /** Reads the cluster and writes every metric in Prometheus's text format. */
  void scrape(ClusterSource source, OutputStream out) throws IOException {
    GetClusterResourcesReply c = source.cluster();
    List<NodeInfo> nodes = c.getNodesList();
    List<ObjectStoreStats> stores = source.stores(nodes, false);
    List<ActorInfo> actorList = source.actors();
    List<PlacementGroupInfo> groupList = source.placementGroups();
    var taskTotals = source.taskEvents(1);
    synchronized (this) {
      for (Gauge g :
          List.of(
              resources,
              storeUsed,
              storeCapacity,
              storeObjects,
              spilled,
              restored,
              sent,
              received,
              actors,
              groups)) {
        g.clear();
      }
      tasks.labelValues("FINISHED").set(taskTotals.getFinishedTotal());
      tasks.labelValues("FAILED").set(taskTotals.getFailedTotal());
      long alive = nodes.stream().filter(NodeInfo::getAlive).count();
      activeNodes.set(alive);
      deadNodes.set(nodes.size() - alive);
      for (NodeInfo n : nodes) {
        if (!n.getAlive()) {
          continue;
        }
        String id = Ids.hex(n.getNodeId());
        Map<String, Double> total = ResourceSet.fromProto(n.getTotal()).toMap();
        Map<String, Double> avail = ResourceSet.fromProto(n.getAvailable()).toMap();
        total.forEach(
            (name, t) -> {
              double a = avail.getOrDefault(name, 0.0);
              resources.labelValues(name, "AVAILABLE", id).set(a);
              resources.labelValues(name, "USED", id).set(t - a);
            });
      }
      for (ObjectStoreStats s : stores) {
        String id = Ids.hex(s.getNodeId());
        storeUsed.labelValues(id).set(s.getUsedBytes());
        storeCapacity.labelValues(id).set(s.getCapacityBytes());
        storeObjects.labelValues(id).set(s.getObjectCount());
        spilled.labelValues(id).set(s.getSpilledBytesTotal());
        restored.labelValues(id).set(s.getRestoredBytesTotal());
        sent.labelValues(id).set(s.getBytesSentTotal());
        received.labelValues(id).set(s.getBytesReceivedTotal());
      }
      // Every state is present (0 when none), so dashboards and alerts always find the series.
      Map<String, Integer> byState = new HashMap<>();
      for (var st : io.glint.internal.proto.ActorState.values()) {
        if (st != io.glint.internal.proto.ActorState.ACTOR_STATE_UNSPECIFIED
            && st != io.glint.internal.proto.ActorState.UNRECOGNIZED) {
          byState.put(st.name().replace("ACTOR_STATE_", ""), 0);
        }
      }
      for (ActorInfo a : actorList) {
        byState.merge(a.getState().name().replace("ACTOR_STATE_", ""), 1, Integer::sum);
      }
      byState.forEach((state, n) -> actors.labelValues(state).set(n));
      Map<String, Integer> pgs = new HashMap<>();
      for (var st : io.glint.internal.proto.PlacementGroupState.values()) {
        if (st != io.glint.internal.proto.PlacementGroupState.UNRECOGNIZED) {
          pgs.put(st.name().replace("PLACEMENT_GROUP_STATE_", ""), 0);
        }
      }
      for (PlacementGroupInfo g : groupList) {
        pgs.merge(g.getState().name().replace("PLACEMENT_GROUP_STATE_", ""), 1, Integer::sum);
      }
      pgs.forEach((state, n) -> groups.labelValues(state).set(n));
      var all = io.prometheus.metrics.model.snapshots.MetricSnapshots.builder();
      registry.scrape().forEach(all::metricSnapshot);
      UserMetricSnapshots.of(source.userMetrics()).forEach(all::metricSnapshot);
      PrometheusTextFormatWriter.create().write(out, all.build());
    }
  }
}
