package io.glint.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.ObjectStoreStats;
import io.glint.internal.runtime.common.DaemonArgs;
import io.glint.internal.runtime.common.ResourceSet;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's utilisation over the last 30 minutes, sampled every 2 seconds, for the overview's
 * charts; and, at each sample, Prometheus's service-discovery file listing the head's and every
 * live node's metrics endpoint (Ray's {@code prom_metrics_service_discovery.json}).
 */
final class ClusterHistory implements AutoCloseable {
  static final long PERIOD_MS = 2_000;
  static final int KEPT = 900;

  /** One sample: when, and the cluster's used and total resources, store bytes and task totals. */
  record Sample(
      long timeMillis,
      double cpuUsed,
      double cpuTotal,
      double gpuUsed,
      double gpuTotal,
      double memoryUsed,
      double memoryTotal,
      long storeUsed,
      long storeCapacity,
      long tasksFinished,
      long tasksFailed,
      int nodesAlive) {}

  private static final System.Logger LOG = System.getLogger(ClusterHistory.class.getName());

  private final ClusterSource source;
  private final String headTarget;
  private final Path discoveryFile;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "glint-dashboard-sampler");
            t.setDaemon(true);
            return t;
          });
  private String lastDiscovery = "";

  /**
   * @param headTarget the head's metrics endpoint, {@code host:port}
   * @param discoveryFile where to write the service-discovery file; null: nowhere
   */
  ClusterHistory(ClusterSource source, String headTarget, Path discoveryFile) {
    this.source = source;
    this.headTarget = headTarget;
    this.discoveryFile = discoveryFile;
    timer.scheduleWithFixedDelay(this::sample, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  synchronized List<Sample> samples() {
    return new ArrayList<>(samples);
  }

  private void sample() {
    try {
      GetClusterResourcesReply c = source.cluster();
      Map<String, Double> total = ResourceSet.fromProto(c.getTotal()).toMap();
      Map<String, Double> avail = ResourceSet.fromProto(c.getAvailable()).toMap();
      long used = 0;
      long capacity = 0;
      for (ObjectStoreStats s : source.stores(c.getNodesList(), false)) {
        used += s.getUsedBytes();
        capacity += s.getCapacityBytes();
      }
      var tasks = source.taskEvents(1);
      Sample s =
          new Sample(
              System.currentTimeMillis(),
              usedOf(total, avail, ResourceSet.CPU),
              total.getOrDefault(ResourceSet.CPU, 0.0),
              usedOf(total, avail, ResourceSet.GPU),
              total.getOrDefault(ResourceSet.GPU, 0.0),
              usedOf(total, avail, ResourceSet.MEMORY),
              total.getOrDefault(ResourceSet.MEMORY, 0.0),
              used,
              capacity,
              tasks.getFinishedTotal(),
              tasks.getFailedTotal(),
              (int) c.getNodesList().stream().filter(NodeInfo::getAlive).count());
      synchronized (this) {
        samples.addLast(s);
        while (samples.size() > KEPT) {
          samples.removeFirst();
        }
      }
      writeDiscovery(c.getNodesList());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "dashboard sample skipped: " + e);
    }
  }

  private static double usedOf(Map<String, Double> total, Map<String, Double> avail, String r) {
    return total.getOrDefault(r, 0.0) - avail.getOrDefault(r, 0.0);
  }

  /** Rewrites the file when the set of endpoints changed (Prometheus rereads it on change). */
  private void writeDiscovery(List<NodeInfo> nodes) {
    if (discoveryFile == null) {
      return;
    }
    List<Map<String, Object>> groups = new ArrayList<>();
    groups.add(group(List.of(headTarget), "head", "head"));
    for (NodeInfo n : nodes) {
      if (n.getAlive() && n.getMetricsPort() > 0) {
        groups.add(
            group(
                List.of(n.getAddress().getHost() + ":" + n.getMetricsPort()),
                "node",
                n.getNodeName()));
      }
    }
    try {
      String text = new ObjectMapper().writeValueAsString(groups) + "\n";
      if (!text.equals(lastDiscovery)) {
        DaemonArgs.writeAtomically(discoveryFile, text);
        lastDiscovery = text;
      }
    } catch (java.io.IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot write " + discoveryFile + ": " + e);
    }
  }

  private static Map<String, Object> group(List<String> targets, String role, String name) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("targets", targets);
    m.put("labels", Map.of("job", "glint", "glint_role", role, "glint_node", name));
    return m;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
