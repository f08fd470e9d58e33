package io.glint.internal.runtime.control;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.GetNodeResourcesReply;
import io.glint.internal.proto.GetNodeResourcesRequest;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.proto.KillJobWorkersRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.common.Rpc;
import io.glint.internal.runtime.control.store.ControlStore;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The control service (Ray's GCS role): node membership and health, jobs, the actor directory
 * ({@link ActorDirectory}), placement groups ({@link PlacementGroupManager}), the key-value store
 * ({@link ControlKv}) and the log of worker deaths ({@link DeadWorkerLog}). One per cluster, on the
 * head. What a restart must not lose is written through to a {@link ControlStore} ({@link
 * ControlState}) and recovered at start.
 */
public final class ControlServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());

  static final class NodeRecord {
    NodeInfo info;
    long lastReportMillis;
    boolean alive = true;
  }

  private final String token;
  private final Clock clock;
  private final long nodeTimeoutMillis;
  private final ChannelPool channels;
  private final ScheduledExecutorService timer;
  private final ExecutorService executor;
  private Server server;
  private Address address;

  // Guarded by this.
  private final Map<ByteString, NodeRecord> nodes = new LinkedHashMap<>();
  private final Map<ByteString, JobConfig> jobs = new HashMap<>();
  private final AtomicInteger jobCounter = new AtomicInteger();
  private boolean closed;

  private final ControlState state;
  private final ControlKv kv;

  /** Random per start: nodes that see it change know the service restarted. */
  private final ByteString epoch = Ids.random();

  private final PlacementGroupManager placementGroups;
  private final ActorDirectory actors;
  private final DeadWorkerLog deadWorkers = new DeadWorkerLog();
  private final TaskEventLog taskEvents = new TaskEventLog();
  private final UserMetrics userMetrics = new UserMetrics();

  UserMetrics userMetrics() {
    return userMetrics;
  }

  TaskEventLog taskEvents() {
    return taskEvents;
  }

  private ControlServer(String token, Clock clock, long nodeTimeoutMillis, ControlStore store) {
    this.state = new ControlState(store);
    this.kv = new ControlKv(state);
    this.token = token;
    this.clock = clock;
    this.nodeTimeoutMillis = nodeTimeoutMillis;
    this.channels = new ChannelPool(token, null);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "glint-control-timer");
              t.setDaemon(true);
              return t;
            });
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "glint-control-rpc");
              t.setDaemon(true);
              return t;
            });
    this.placementGroups =
        new PlacementGroupManager(
            new PlacementGroupManager.Cluster() {
              @Override
              public List<NodeInfo> aliveNodes() {
                return ControlServer.this.aliveNodes();
              }

              @Override
              public void groupCommitted(
                  ByteString group,
                  Map<ByteString, io.glint.internal.proto.CommitBundlesReply> committed) {
                ControlServer.this.groupCommitted(committed);
              }

              @Override
              public void groupRemoved(ByteString group) {
                actors.killActorsOfGroup(group);
              }
            },
            channels,
            timer,
            executor,
            state);
    this.actors = new ActorDirectory(this, nodes, channels, timer, state);
  }

  PlacementGroupManager placementGroups() {
    return placementGroups;
  }

  /** A group's bundles count in their nodes' totals at once; actors waiting for them may go. */
  private synchronized void groupCommitted(
      Map<ByteString, io.glint.internal.proto.CommitBundlesReply> committed) {
    committed.forEach(
        (node, after) -> {
          NodeRecord r = nodes.get(node);
          if (r != null) {
            r.info =
                r.info.toBuilder()
                    .setTotal(after.getTotal())
                    .setAvailable(after.getAvailable())
                    .build();
          }
        });
    actors.schedulePending();
  }

  /** Starts the control service on {@code host} with an ephemeral port. */
  public static ControlServer start(String host, String token) {
    return start(host, token, Clock.systemUTC(), 30_000);
  }

  /**
   * As {@link #start(String, String)} with an explicit clock and node timeout: a node that has not
   * reported for {@code nodeTimeoutMillis} is considered dead.
   */
  public static ControlServer start(
      String host, String token, Clock clock, long nodeTimeoutMillis) {
    return start(host, 0, token, clock, nodeTimeoutMillis);
  }

  /** As {@link #start(String, String, Clock, long)} on {@code port} (0: ephemeral). */
  public static ControlServer start(
      String host, int port, String token, Clock clock, long nodeTimeoutMillis) {
    return start(host, port, token, clock, nodeTimeoutMillis, ControlStore.open("memory"));
  }

  /**
   * As {@link #start(String, int, String, Clock, long)}, keeping its state in {@code store}: what
   * the store holds from an earlier run is recovered first (nodes get one node timeout to report
   * again, live actors keep their workers, pending actors and placement groups are placed again).
   */
  public static ControlServer start(
      String host,
      int port,
      String token,
      Clock clock,
      long nodeTimeoutMillis,
      ControlStore store) {
    ControlServer c = new ControlServer(token, clock, nodeTimeoutMillis, store);
    try {
      c.recover();
    } catch (RuntimeException e) {
      c.close();
      throw new IllegalStateException(
          "cannot recover the control state from " + store.describe() + ": " + e.getMessage(), e);
    }
    c.server = Grpc.startServer(host, port, List.of(new ControlServiceImpl(c)), token, c.executor);
    c.address = Address.newBuilder().setHost(host).setPort(c.server.getPort()).build();
    c.timer.scheduleWithFixedDelay(c::checkNodeHealth, 1, 1, TimeUnit.SECONDS);
    return c;
  }

  public Address address() {
    return address;
  }

  String token() {
    return token;
  }

  ByteString epoch() {
    return epoch;
  }

  ControlKv kv() {
    return kv;
  }

  /** Takes back what an earlier run of the service left in its storage. */
  private void recover() {
    ControlState.Recovered r = state.load();
    if (r.isEmpty() && r.kv().isEmpty()) {
      return;
    }
    long now = clock.millis();
    synchronized (this) {
      for (NodeInfo n : r.nodes()) {
        NodeRecord rec = new NodeRecord();
        rec.info = n;
        rec.alive = n.getAlive();
        rec.lastReportMillis = now; // one node timeout to report again
        nodes.put(n.getNodeId(), rec);
      }
      for (JobConfig j : r.jobs()) {
        jobs.put(j.getJobId(), j);
      }
      jobCounter.set(r.jobCounter());
      kv.recover(r.kv());
      actors.recover(r.actors());
    }
    placementGroups.recover(r.groups());
    LOG.log(
        System.Logger.Level.INFO,
        "recovered from "
            + state.describe()
            + ": "
            + r.nodes().size()
            + " nodes, "
            + r.jobs().size()
            + " jobs, "
            + r.actors().size()
            + " actors, "
            + r.groups().size()
            + " placement groups, "
            + r.kv().size()
            + " keys");
  }

  // ------------------------------------------------------------------ nodes

  synchronized void registerNode(io.glint.internal.proto.RegisterNodeRequest req) {
    NodeInfo info = req.getNode();
    NodeRecord r = nodes.computeIfAbsent(info.getNodeId(), k -> new NodeRecord());
    r.info = info;
    r.alive = true;
    r.lastReportMillis = clock.millis();
    state.node(info);
    if (req.getReconnect()) {
      actors.reconcile(info, req.getActorWorkersList());
    }
    LOG.log(
        System.Logger.Level.DEBUG,
        "node "
            + Ids.shortHex(info.getNodeId())
            + " registered with "
            + ResourceSet.fromProto(info.getTotal()));
    actors.schedulePending();
    executor.execute(placementGroups::retryPending);
  }

  synchronized boolean reportResources(io.glint.internal.proto.ReportNodeResourcesRequest req) {
    NodeRecord r = nodes.get(req.getNodeId());
    if (r == null || !r.alive) {
      return false;
    }
    r.lastReportMillis = clock.millis();
    r.info =
        r.info.toBuilder()
            .setTotal(req.hasTotal() ? req.getTotal() : r.info.getTotal())
            .setAvailable(req.getAvailable())
            .setObjectStoreUsed(req.getObjectStoreUsed())
            .clearDemand()
            .addAllDemand(req.getDemandList())
            .build();
    return true;
  }

  synchronized void unregisterNode(ByteString nodeId) {
    NodeRecord r = nodes.get(nodeId);
    if (r != null) {
      markNodeDead(r, "the node shut down");
    }
  }

  /** Marks nodes that stopped reporting as dead. Driven by the injected clock. */
  synchronized void checkNodeHealth() {
    long now = clock.millis();
    for (NodeRecord r : nodes.values()) {
      if (r.alive && now - r.lastReportMillis > nodeTimeoutMillis) {
        LOG.log(
            System.Logger.Level.WARNING,
            "node "
                + Ids.shortHex(r.info.getNodeId())
                + " missed its health reports; marking it dead");
        markNodeDead(r, "the node stopped reporting for " + nodeTimeoutMillis + " ms");
      }
    }
  }

  /** Holds the lock. */
  private void markNodeDead(NodeRecord r, String why) {
    ByteString dead = r.info.getNodeId();
    executor.execute(() -> placementGroups.nodeDied(dead));
    r.alive = false;
    r.info = r.info.toBuilder().setAlive(false).setDeathReason(why).clearDemand().build();
    state.node(r.info);
    actors.nodeDied(r.info.getNodeId(), why);
  }

  synchronized List<NodeInfo> aliveNodes() {
    List<NodeInfo> out = new ArrayList<>();
    for (NodeRecord r : nodes.values()) {
      if (r.alive) {
        out.add(r.info);
      }
    }
    return out;
  }

  synchronized List<NodeInfo> allNodes() {
    return nodes.values().stream().map(r -> r.info).toList();
  }

  /** Fresh totals and availability from every live node. */
  CompletableFuture<List<NodeInfo>> freshNodes() {
    List<NodeInfo> alive = aliveNodes();
    List<CompletableFuture<NodeInfo>> fs = new ArrayList<>();
    for (NodeInfo n : alive) {
      CompletableFuture<NodeInfo> f = new CompletableFuture<>();
      NodeServiceGrpc.newStub(channels.get(n.getAddress()))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .getNodeResources(
              GetNodeResourcesRequest.getDefaultInstance(),
              new StreamObserver<>() {
                @Override
                public void onNext(GetNodeResourcesReply r) {
                  f.complete(
                      n.toBuilder().setTotal(r.getTotal()).setAvailable(r.getAvailable()).build());
                }

                @Override
                public void onError(Throwable t) {
                  f.complete(n);
                }

                @Override
                public void onCompleted() {}
              });
      fs.add(f);
    }
    return CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new))
        .thenApply(v -> fs.stream().map(CompletableFuture::join).toList());
  }

  // ------------------------------------------------------------------ jobs

  synchronized JobConfig registerJob(JobConfig cfg) {
    int n = jobCounter.incrementAndGet();
    ByteString id = ByteString.copyFrom(ByteBuffer.allocate(4).putInt(n).array());
    String ns =
        cfg.getNamespace().isEmpty()
            ? "anonymous-" + Ids.hex(Ids.random()).substring(0, 12)
            : cfg.getNamespace();
    JobConfig stored = cfg.toBuilder().setJobId(id).setNamespace(ns).build();
    jobs.put(id, stored);
    state.job(stored, n);
    return stored;
  }

  synchronized JobConfig job(ByteString id) {
    return jobs.get(id);
  }

  void finishJob(ByteString jobId) {
    placementGroups.jobFinished(jobId);
    List<NodeInfo> targets;
    synchronized (this) {
      boolean detachedLive = actors.jobFinished(jobId);
      // A detached actor's job config stays: restarting it needs the job's code.
      if (!detachedLive) {
        jobs.remove(jobId);
        state.jobFinished(jobId);
      }
      targets = aliveNodes();
    }
    for (NodeInfo n : targets) {
      NodeServiceGrpc.newStub(channels.get(n.getAddress()))
          .killJobWorkers(KillJobWorkersRequest.newBuilder().setJobId(jobId).build(), Rpc.ignore());
    }
  }

  // ------------------------------------------------------------------ actors

  ActorDirectory actors() {
    return actors;
  }

  /** Logs a worker process's death for the owners and nodes that poll the log. */
  void logWorkerDeath(ByteString workerId) {
    deadWorkers.add(workerId);
  }

  io.glint.internal.proto.GetDeadWorkersReply deadWorkersAfter(long afterSeq) {
    return deadWorkers.after(afterSeq);
  }

  io.glint.internal.proto.ReportNodeResourcesReply deadWorkersForNode(long afterSeq) {
    return deadWorkers.forNode(afterSeq);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    actors.close();
    placementGroups.close();
    timer.shutdownNow();
    Grpc.shutdown(server);
    channels.close();
    executor.shutdownNow();
    state.close();
  }
}
