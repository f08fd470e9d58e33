package io.glint.cluster.autoscaler;

import io.glint.cluster.autoscaler.ClusterSnapshot.Node;
import io.glint.cluster.autoscaler.ClusterSnapshot.Phase;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.NodeType;
import io.glint.cluster.launcher.NodeUpdater;
import io.glint.cluster.provider.NodeProvider;
import io.glint.cluster.provider.ProviderNode;
import io.glint.cluster.provider.Tags;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.runtime.common.AutoscalerKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The autoscaler on the head (Ray's monitor process): every round it reads the cluster from the
 * control service and the provider, lets {@link ResourceDemandScheduler} decide, launches nodes
 * (each set up by a {@link NodeUpdater} on a thread of its own), ends idle or broken ones, and
 * publishes a status report that {@code glint status} prints. Launch failures (capacity, quota)
 * back the node type off, doubling from 10 s to 5 minutes.
 */
public final class Monitor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Monitor.class.getName());

  private final ClusterConfig config;
  private final NodeProvider provider;
  private final ControlServiceGrpc.ControlServiceBlockingStub control;
  private final Map<String, String> workerEnv;
  private final Clock clock;
  private final ResourceDemandScheduler scheduler;
  private final NodeUpdater updater;
  private final ExecutorService work = Executors.newCachedThreadPool(Thread.ofVirtual().factory());
  private final Set<String> updating = ConcurrentHashMap.newKeySet();
  private final Set<String> ending = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> phaseSince = new HashMap<>();
  private final Map<String, Phase> lastPhase = new HashMap<>();
  private final Map<String, Long> idleSince = new HashMap<>();
  private final Map<String, Long> backoffUntil = new ConcurrentHashMap<>();
  private final Map<String, Long> backoffDelay = new ConcurrentHashMap<>();
  private final StatusReport report;
  private volatile boolean closed;
  private Thread loop;

  /**
   * @param headIp the head's address (worker start commands get it as GLINT_HEAD_IP)
   * @param token the cluster token (worker start commands get it as GLINT_TOKEN)
   */
  public Monitor(
      ClusterConfig config,
      NodeProvider provider,
      ControlServiceGrpc.ControlServiceBlockingStub control,
      String headIp,
      String token,
      Clock clock) {
    this.config = config;
    this.provider = provider;
    this.control = control;
    this.clock = clock;
    this.workerEnv = Map.of("GLINT_HEAD_IP", headIp, "GLINT_TOKEN", token);
    this.scheduler = new ResourceDemandScheduler(config, joinTimeout().toMillis());
    this.report = new StatusReport(config, clock);
    this.updater =
        new NodeUpdater(
            config,
            provider,
            line -> LOG.log(System.Logger.Level.INFO, line),
            Duration.ofMinutes(5),
            Duration.ofMinutes(30));
  }

  /** How long a launched node may take to join (GLINT_AUTOSCALER_JOIN_TIMEOUT_S, default 600). */
  static Duration joinTimeout() {
    String s = System.getenv("GLINT_AUTOSCALER_JOIN_TIMEOUT_S");
    return Duration.ofSeconds(s == null || s.isBlank() ? 600 : Long.parseLong(s.strip()));
  }

  /** Runs rounds every {@code interval} on a thread of its own until closed. */
  public void start(Duration interval) {
    loop =
        Thread.ofPlatform()
            .name("glint-autoscaler")
            .daemon(true)
            .start(
                () -> {
                  while (!closed) {
                    try {
                      runOnce();
                    } catch (RuntimeException e) {
                      LOG.log(System.Logger.Level.WARNING, "autoscaler round failed: " + e);
                      report.event("round failed: " + e.getMessage());
                    }
                    try {
                      Thread.sleep(interval.toMillis());
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
  }

  /** One round: observe, decide, act, report. */
  public synchronized ScalingDecision runOnce() {
    long now = clock.millis();
    ControlView view = ControlView.read(control);
    ClusterSnapshot snapshot = snapshot(view, now);
    Set<String> backedOff = new HashSet<>();
    backoffUntil.forEach(
        (type, until) -> {
          if (until > now) {
            backedOff.add(type);
          }
        });
    ScalingDecision d = scheduler.decide(snapshot, backedOff);
    d.launch().forEach(this::launch);
    d.terminate().forEach(this::terminate);
    report.publish(snapshot, d, backedOff, updatingStatus());
    try {
      AutoscalerKeys.publishStatus(control.withDeadlineAfter(10, TimeUnit.SECONDS), report.text());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "could not publish the autoscaler status: " + e);
    }
    return d;
  }

  /** The report of the last round. */
  public String statusText() {
    return report.text();
  }

  private Map<String, String> updatingStatus() {
    Map<String, String> out = new LinkedHashMap<>();
    for (ProviderNode p :
        provider.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, config.clusterName()))) {
      if (!p.isHead() && updating.contains(p.id())) {
        out.put(
            p.id(), p.tag(Tags.NODE_TYPE) + " " + p.internalIp() + ": " + p.tag(Tags.NODE_STATUS));
      }
    }
    return out;
  }

  ClusterSnapshot snapshot(ControlView view, long now) {
    Map<String, ControlView.LiveNode> byHost = new HashMap<>();
    view.nodes.forEach(n -> byHost.put(n.host(), n));
    List<Node> nodes = new ArrayList<>();
    Set<String> seenHosts = new HashSet<>();
    for (ProviderNode p :
        provider.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, config.clusterName()))) {
      if (ending.contains(p.id())) {
        continue;
      }
      String typeName = p.tag(Tags.NODE_TYPE);
      NodeType type = config.nodeTypes().get(typeName);
      Map<String, Double> typeRes = type == null ? Map.of() : type.resources();
      ControlView.LiveNode live = p.internalIp() == null ? null : byHost.get(p.internalIp());
      if (live != null) {
        seenHosts.add(live.host());
      }
      Phase phase =
          live != null
              ? Phase.RUNNING
              : Tags.STATUS_UPDATE_FAILED.equals(p.tag(Tags.NODE_STATUS))
                      && !updating.contains(p.id())
                  ? Phase.FAILED
                  : Phase.PENDING;
      if (lastPhase.put(p.id(), phase) != phase) {
        phaseSince.put(p.id(), now);
      }
      long idle = 0;
      if (live != null && !live.hasDemand() && allFree(live)) {
        idle = now - idleSince.computeIfAbsent(p.id(), k -> now);
      } else {
        idleSince.remove(p.id());
      }
      nodes.add(
          new Node(
              p.id(),
              typeName == null ? "?" : typeName,
              p.isHead(),
              phase,
              live != null ? live.total() : typeRes,
              live != null ? live.available() : typeRes,
              idle,
              now - phaseSince.get(p.id())));
    }
    // Nodes the provider did not make (a head started by hand): capacity, never ended.
    for (ControlView.LiveNode live : view.nodes) {
      if (!seenHosts.contains(live.host())) {
        nodes.add(
            new Node(
                "node@" + live.host(),
                config.headNodeType(),
                true,
                Phase.RUNNING,
                live.total(),
                live.available(),
                0,
                0));
      }
    }
    return new ClusterSnapshot(nodes, view.demands, view.spreadGroups, view.requested);
  }

  private static boolean allFree(ControlView.LiveNode n) {
    for (var e : n.total().entrySet()) {
      // Placement-group resources (name_group_…) come and go with groups; the base ones decide.
      if (e.getKey().contains("_group_")) {
        continue;
      }
      if (n.available().getOrDefault(e.getKey(), 0.0) + 1e-9 < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void launch(String typeName, int count) {
    NodeType type = config.nodeTypes().get(typeName);
    List<ProviderNode> made;
    try {
      made =
          provider.createNodes(
              type,
              Map.of(
                  Tags.CLUSTER_NAME, config.clusterName(),
                  Tags.NODE_KIND, Tags.KIND_WORKER,
                  Tags.NODE_STATUS, Tags.STATUS_UNINITIALIZED),
              count);
    } catch (RuntimeException e) {
      long delay = Math.min(backoffDelay.getOrDefault(typeName, 5_000L) * 2, 300_000L);
      backoffDelay.put(typeName, delay);
      backoffUntil.put(typeName, clock.millis() + delay);
      report.failure(
          "launching "
              + count
              + " "
              + typeName
              + " failed (retry in "
              + delay / 1000
              + " s): "
              + e.getMessage());
      return;
    }
    report.event("launching " + count + " " + typeName + " node" + (count == 1 ? "" : "s"));
    for (ProviderNode n : made) {
      updating.add(n.id());
      work.execute(
          () -> {
            try {
              updater.update(n, workerEnv, true);
              backoffDelay.remove(typeName);
              report.event("node " + n.id() + " (" + typeName + ") set up; Glint started");
            } catch (RuntimeException e) {
              long delay = backOff(typeName);
              report.failure(
                  "setting up "
                      + n.id()
                      + " failed (next "
                      + typeName
                      + " launch in "
                      + delay / 1000
                      + " s): "
                      + e.getMessage());
            } finally {
              updating.remove(n.id());
            }
          });
    }
  }

  /** Holds launches of a type back after a failure: 10 s, doubling to 5 minutes. */
  private long backOff(String type) {
    long delay = backoffDelay.merge(type, 10_000L, (old, x) -> Math.min(old * 2, 300_000L));
    backoffUntil.put(type, clock.millis() + delay);
    return delay;
  }

  private void terminate(String id, String why) {
    if (!ending.add(id)) {
      return;
    }
    report.event("ending " + id + ": " + why);
    work.execute(
        () -> {
          try {
            provider.terminateNodes(List.of(id));
          } catch (RuntimeException e) {
            report.failure("ending " + id + " failed: " + e.getMessage());
          } finally {
            ending.remove(id);
            idleSince.remove(id);
            lastPhase.remove(id);
            phaseSince.remove(id);
          }
        });
  }

  @Override
  public void close() {
    closed = true;
    if (loop != null) {
      loop.interrupt();
    }
    work.shutdownNow();
  }
}
