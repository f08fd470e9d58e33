package io.glint.internal.runtime.control;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.ActorInfo;
import io.glint.internal.proto.ActorState;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.CommitActorLeaseRequest;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.GetNodeResourcesReply;
import io.glint.internal.proto.GetNodeResourcesRequest;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.proto.KillJobWorkersRequest;
import io.glint.internal.proto.KillWorkerRequest;
import io.glint.internal.proto.LeaseReply;
import io.glint.internal.proto.LeaseRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.PushReply;
import io.glint.internal.proto.ReturnLeaseRequest;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.common.Rpc;
import io.glint.internal.runtime.control.store.ControlStore;
import io.grpc.Server;
import io.grpc.Status;
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
 * (creation, names, restarts, death), and a key-value store. One per cluster, on the head.
 *
 * <p>Actors are placed here: the service leases a dedicated worker from a node daemon, runs the
 * constructor there, and publishes the actor's address once it is alive. When an actor's process
 * dies it is restarted while it has restarts left, else marked dead with the cause.
 */
public final class ControlServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());

  final class NodeRecord {
    NodeInfo info;
    long lastReportMillis;
    boolean alive = true;
  }

  final class ActorRecord {
    final TaskSpec creation;
    ActorState state = ActorState.ACTOR_STATE_PENDING_CREATION;
    Address address;
    Failure deathCause;
    int restarts;
    ByteString nodeId;
    ByteString workerId;
    ByteString leaseId;
    int pid;

    /** Bumped per incarnation, so stale callbacks are ignored. */
    int incarnation;

    final List<CompletableFuture<ActorInfo>> waiters = new ArrayList<>();

    ActorRecord(TaskSpec creation) {
      this.creation = creation;
    }

    io.glint.internal.proto.StoredActor stored() {
      var b =
          io.glint.internal.proto.StoredActor.newBuilder()
              .setCreation(creation)
              .setState(state)
              .setRestarts(restarts)
              .setPid(pid);
      if (address != null) {
        b.setAddress(address);
      }
      if (deathCause != null) {
        b.setDeathCause(deathCause);
      }
      if (nodeId != null) {
        b.setNodeId(nodeId);
      }
      if (workerId != null) {
        b.setWorkerId(workerId);
      }
      if (leaseId != null) {
        b.setLeaseId(leaseId);
      }
      return b.build();
    }

    ByteString id() {
      return creation.getActorCreation().getActorId();
    }

    ActorInfo info() {
      ActorInfo.Builder b =
          ActorInfo.newBuilder()
              .setActorId(id())
              .setState(state)
              .setName(creation.getActorCreation().getName())
              .setNamespace(creation.getActorCreation().getNamespace())
              .setClassDescriptor(creation.getFunction())
              .setNumRestarts(restarts)
              .setMaxConcurrency(creation.getActorCreation().getMaxConcurrency())
              .setMaxTaskRetries(creation.getActorCreation().getMaxTaskRetries())
              .setJobId(creation.getJobId())
              .setPid(pid);
      if (address != null) {
        b.setAddress(address);
      }
      if (deathCause != null) {
        b.setDeathCause(deathCause);
      }
      return b.build();
    }
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
  private final Map<ByteString, ActorRecord> actors = new HashMap<>();
  private final Map<String, ByteString> names = new HashMap<>();
  private final java.util.Set<ResourceSet> warnedShapes = new java.util.HashSet<>();
  private final AtomicInteger jobCounter = new AtomicInteger();
  private int nextNode;
  private boolean closed;

  private final ControlState state;
  private final ControlKv kv;

  /** Random per start: nodes that see it change know the service restarted. */
  private final ByteString epoch = Ids.random();

  private final PlacementGroupManager placementGroups;

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
                  Map<ByteString, ResourceSet> added,
                  Map<ByteString, ResourceSet> reserved) {
                ControlServer.this.groupCommitted(added, reserved);
              }

              @Override
              public void groupRemoved(ByteString group) {
                ControlServer.this.killActorsOfGroup(group);
              }
            },
            channels,
            timer,
            executor,
            state);
  }

  PlacementGroupManager placementGroups() {
    return placementGroups;
  }

  /** A group's bundles count in their nodes' totals at once; actors waiting for them may go. */
  private synchronized void groupCommitted(
      Map<ByteString, ResourceSet> added, Map<ByteString, ResourceSet> reserved) {
    added.forEach(
        (node, add) -> {
          NodeRecord r = nodes.get(node);
          if (r != null) {
            ResourceSet raw = reserved.getOrDefault(node, ResourceSet.EMPTY);
            r.info =
                r.info.toBuilder()
                    .setTotal(ResourceSet.fromProto(r.info.getTotal()).plus(add).toProto())
                    .setAvailable(
                        ResourceSet.fromProto(r.info.getAvailable()).minus(raw).plus(add).toProto())
                    .build();
          }
        });
    for (ActorRecord a : actors.values()) {
      if (a.state == ActorState.ACTOR_STATE_PENDING_CREATION && a.nodeId == null) {
        scheduleActor(a);
      }
    }
  }

  /** The actors placed in a removed group end, for good. */
  private void killActorsOfGroup(ByteString group) {
    List<ByteString> ids = new ArrayList<>();
    synchronized (this) {
      for (ActorRecord a : actors.values()) {
        var st = a.creation.getSchedulingStrategy();
        if (st.hasPlacementGroup()
            && st.getPlacementGroup().getPlacementGroupId().equals(group)
            && a.state != ActorState.ACTOR_STATE_DEAD) {
          ids.add(a.id());
        }
      }
    }
    for (ByteString id : ids) {
      killActor(id, true, "its placement group was removed");
    }
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
      for (var sa : r.actors()) {
        ActorRecord a = new ActorRecord(sa.getCreation());
        a.state = sa.getState();
        a.restarts = sa.getRestarts();
        a.pid = sa.getPid();
        a.address = sa.hasAddress() ? sa.getAddress() : null;
        a.deathCause = sa.hasDeathCause() ? sa.getDeathCause() : null;
        a.nodeId = sa.getNodeId().isEmpty() ? null : sa.getNodeId();
        a.workerId = sa.getWorkerId().isEmpty() ? null : sa.getWorkerId();
        a.leaseId = sa.getLeaseId().isEmpty() ? null : sa.getLeaseId();
        actors.put(a.id(), a);
        var c = a.creation.getActorCreation();
        if (!c.getName().isEmpty()) {
          names.put(c.getNamespace() + "\u0000" + c.getName(), a.id());
        }
      }
      kv.recover(r.kv());
      for (ActorRecord a : actors.values()) {
        if (a.state != ActorState.ACTOR_STATE_ALIVE && a.state != ActorState.ACTOR_STATE_DEAD) {
          a.workerId = null;
          a.leaseId = null;
          scheduleActor(a);
        }
      }
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
      reconcileActors(info, req.getActorWorkersList());
    }
    LOG.log(
        System.Logger.Level.DEBUG,
        "node "
            + Ids.shortHex(info.getNodeId())
            + " registered with "
            + ResourceSet.fromProto(info.getTotal()));
    for (ActorRecord a : actors.values()) {
      if (a.state == ActorState.ACTOR_STATE_PENDING_CREATION && a.nodeId == null) {
        scheduleActor(a);
      }
    }
    executor.execute(placementGroups::retryPending);
  }

  /**
   * A node came back to a restarted service with the actor workers it still runs: actors the
   * service thought alive there whose worker is gone died while it was away; workers of actors that
   * are dead, unknown or now elsewhere are let go. Holds the lock.
   */
  private void reconcileActors(NodeInfo node, List<io.glint.internal.proto.ActorWorker> running) {
    Map<ByteString, ByteString> workerOfActor = new HashMap<>();
    for (var w : running) {
      workerOfActor.put(w.getActorId(), w.getWorkerId());
      ActorRecord a = actors.get(w.getActorId());
      boolean keep =
          a != null
              && a.state != ActorState.ACTOR_STATE_DEAD
              && (a.workerId == null
                  ? a.state != ActorState.ACTOR_STATE_ALIVE
                  : a.workerId.equals(w.getWorkerId()));
      if (!keep) {
        returnLease(node.getAddress(), w.getLeaseId());
      }
    }
    for (ActorRecord a : new ArrayList<>(actors.values())) {
      if (a.state == ActorState.ACTOR_STATE_ALIVE
          && node.getNodeId().equals(a.nodeId)
          && a.workerId != null
          && !a.workerId.equals(workerOfActor.get(a.id()))) {
        onActorProcessDied(a, "the actor's worker died while the control service was down");
      }
    }
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
    for (ActorRecord a : new ArrayList<>(actors.values())) {
      if (r.info.getNodeId().equals(a.nodeId) && a.state != ActorState.ACTOR_STATE_DEAD) {
        onActorProcessDied(a, "the actor's node died: " + why);
      }
    }
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
      boolean detachedLive = false;
      for (ActorRecord a : actors.values()) {
        if (a.creation.getJobId().equals(jobId) && a.state != ActorState.ACTOR_STATE_DEAD) {
          if (a.creation.getActorCreation().getDetached()) {
            detachedLive = true;
          } else {
            markDead(a, deathCause("ActorDiedError", "the job that created the actor finished"));
          }
        }
      }
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

  /** Registers an actor and starts placing it. Returns a failure when the name is taken. */
  synchronized Failure createActor(TaskSpec creation) {
    var c = creation.getActorCreation();
    if (actors.containsKey(c.getActorId())) {
      return null;
    }
    String key = null;
    if (!c.getName().isEmpty()) {
      key = c.getNamespace() + "\u0000" + c.getName();
      ByteString existing = names.get(key);
      if (existing != null && actors.get(existing).state != ActorState.ACTOR_STATE_DEAD) {
        return Failures.system(
            FailureKind.FAILURE_KIND_RUNTIME,
            "ValueError",
            "The actor name '"
                + c.getName()
                + "' (namespace '"
                + c.getNamespace()
                + "') is already taken",
            false);
      }
    }
    ActorRecord a = new ActorRecord(creation);
    actors.put(c.getActorId(), a);
    if (key != null) {
      names.put(key, c.getActorId());
    }
    state.actor(a.stored());
    scheduleActor(a);
    return null;
  }

  /** Picks a node for the actor and asks it for a dedicated worker. Holds the lock. */
  private void scheduleActor(ActorRecord a) {
    ResourceSet placement = ResourceSet.fromProto(a.creation.getPlacementResources());
    List<NodeRecord> candidates = new ArrayList<>();
    for (NodeRecord r : nodes.values()) {
      if (r.alive && placement.fitsIn(ResourceSet.fromProto(r.info.getTotal()))) {
        candidates.add(r);
      }
    }
    if (candidates.isEmpty()) {
      a.nodeId = null; // retried when a node registers
      if (warnedShapes.add(placement)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "Actors that need "
                + placement.describe()
                + " (first: "
                + a.creation.getName()
                + ") cannot be placed yet: no node of the cluster has that much. They stay"
                + " pending until a node that can hold them joins.");
      }
      return;
    }
    var strategy = a.creation.getSchedulingStrategy();
    NodeRecord chosen = null;
    if (strategy.hasNodeAffinity()) {
      NodeRecord target = nodes.get(strategy.getNodeAffinity().getNodeId());
      if (target != null && candidates.contains(target)) {
        chosen = target;
      } else if (!strategy.getNodeAffinity().getSoft()) {
        markDead(
            a,
            deathCause(
                "ActorUnschedulableError",
                "NodeAffinityError: node "
                    + Ids.hex(strategy.getNodeAffinity().getNodeId())
                    + (target == null
                        ? " is not part of the cluster"
                        : !target.alive ? " is dead" : " cannot hold " + placement.describe())
                    + " (hard node affinity)"));
        return;
      }
    } else if (strategy.hasSpread()) {
      candidates.sort(java.util.Comparator.comparing(r -> Ids.hex(r.info.getNodeId())));
      chosen = candidates.get(nextNode % candidates.size());
    }
    // Prefer a node with the resources free now; rotate among equals to spread actors.
    for (int i = 0; chosen == null && i < candidates.size(); i++) {
      NodeRecord r = candidates.get((nextNode + i) % candidates.size());
      if (placement.fitsIn(ResourceSet.fromProto(r.info.getAvailable()))) {
        chosen = r;
        break;
      }
    }
    if (chosen == null) {
      chosen = candidates.get(nextNode % candidates.size());
    }
    nextNode++;
    a.nodeId = chosen.info.getNodeId();
    int incarnation = ++a.incarnation;
    Address node = chosen.info.getAddress();
    LeaseRequest req =
        LeaseRequest.newBuilder()
            .setLeaseRequestId(Ids.random())
            .setJobId(a.creation.getJobId())
            .setResources(a.creation.getPlacementResources())
            .setRunningResources(a.creation.getRequiredResources())
            .setForActor(true)
            .setActorId(a.id())
            .addAllJvmOptions(a.creation.getActorCreation().getJvmOptionsList())
            .setRequesterName(a.creation.getName())
            .setDetached(a.creation.getActorCreation().getDetached())
            .build();
    NodeServiceGrpc.newStub(channels.get(node))
        .requestWorkerLease(
            req,
            new StreamObserver<>() {
              @Override
              public void onNext(LeaseReply reply) {
                onActorLease(a, incarnation, node, reply);
              }

              @Override
              public void onError(Throwable t) {
                onActorLease(
                    a,
                    incarnation,
                    node,
                    LeaseReply.newBuilder()
                        .setRejected("node unreachable: " + Status.fromThrowable(t))
                        .build());
              }

              @Override
              public void onCompleted() {}
            });
  }

  private void onActorLease(ActorRecord a, int incarnation, Address node, LeaseReply reply) {
    synchronized (this) {
      if (a.incarnation != incarnation || a.state == ActorState.ACTOR_STATE_DEAD || closed) {
        if (reply.hasGranted()) {
          returnLease(node, reply.getGranted().getLeaseId());
        }
        return;
      }
      if (!reply.hasGranted()) {
        if (reply.getRejected().startsWith("worker failed to start")) {
          markDead(a, deathCause("ActorCreationError", reply.getRejected()));
        } else {
          timer.schedule(
              () -> {
                synchronized (this) {
                  if (a.incarnation == incarnation && a.state != ActorState.ACTOR_STATE_DEAD) {
                    scheduleActor(a);
                  }
                }
              },
              200,
              TimeUnit.MILLISECONDS);
        }
        return;
      }
      a.leaseId = reply.getGranted().getLeaseId();
      a.workerId = reply.getGranted().getWorkerAddress().getWorkerId();
      a.pid = reply.getGranted().getWorkerPid();
    }
    // Run the constructor on the leased worker.
    Address worker = reply.getGranted().getWorkerAddress();
    ByteString leaseId = reply.getGranted().getLeaseId();
    TaskSpec spec =
        a.creation.toBuilder().addAllAssignedGpuIds(reply.getGranted().getGpuIdsList()).build();
    StreamObserver<PushMessage>[] out = new StreamObserver[1];
    out[0] =
        WorkerServiceGrpc.newStub(channels.get(worker))
            .pushTasks(
                new StreamObserver<>() {
                  boolean done;

                  @Override
                  public void onNext(PushReply r) {
                    done = true;
                    onActorCreated(
                        a,
                        incarnation,
                        node,
                        worker,
                        leaseId,
                        r.getResult().hasFailure() ? r.getResult().getFailure() : null);
                    out[0].onCompleted();
                  }

                  @Override
                  public void onError(Throwable t) {
                    if (!done) {
                      onActorCreated(
                          a,
                          incarnation,
                          node,
                          worker,
                          leaseId,
                          Failures.system(
                              FailureKind.FAILURE_KIND_WORKER_CRASHED,
                              "WorkerCrashedError",
                              "the actor's worker died while running its constructor",
                              true));
                    }
                  }

                  @Override
                  public void onCompleted() {}
                });
    out[0].onNext(PushMessage.newBuilder().setTask(spec).build());
  }

  private void onActorCreated(
      ActorRecord a,
      int incarnation,
      Address node,
      Address worker,
      ByteString leaseId,
      Failure failure) {
    synchronized (this) {
      if (a.incarnation != incarnation || a.state == ActorState.ACTOR_STATE_DEAD) {
        returnLease(node, leaseId);
        return;
      }
      if (failure == null) {
        a.state = ActorState.ACTOR_STATE_ALIVE;
        a.address = worker;
        state.actor(a.stored());
        notifyWaiters(a);
      } else if (failure.getKind() == FailureKind.FAILURE_KIND_WORKER_CRASHED) {
        onActorProcessDied(a, failure.getMessage());
        return;
      } else {
        markDead(
            a,
            Failure.newBuilder(failure)
                .setKind(FailureKind.FAILURE_KIND_ACTOR_DIED)
                .setMessage(
                    "the actor's constructor raised "
                        + failure.getType()
                        + (failure.getMessage().isEmpty() ? "" : ": " + failure.getMessage()))
                .build());
      }
    }
    if (failure == null) {
      NodeServiceGrpc.newStub(channels.get(node))
          .commitActorLease(
              CommitActorLeaseRequest.newBuilder().setLeaseId(leaseId).build(), Rpc.ignore());
    } else {
      NodeServiceGrpc.newStub(channels.get(node))
          .returnWorkerLease(
              ReturnLeaseRequest.newBuilder().setLeaseId(leaseId).setDisconnectWorker(true).build(),
              Rpc.ignore());
    }
  }

  /** Worker deaths, in order: seq of deadWorkers.get(i) is deadWorkersBase + i + 1. */
  private final java.util.ArrayList<ByteString> deadWorkers = new java.util.ArrayList<>();

  private long deadWorkersBase;
  private static final int DEAD_WORKERS_KEPT = 100_000;

  /** Logs a worker process's death for the owners that poll {@link #deadWorkersAfter}. */
  synchronized void logWorkerDeath(ByteString workerId) {
    deadWorkers.add(workerId);
    if (deadWorkers.size() > DEAD_WORKERS_KEPT) {
      int drop = deadWorkers.size() - DEAD_WORKERS_KEPT;
      deadWorkers.subList(0, drop).clear();
      deadWorkersBase += drop;
    }
  }

  synchronized io.glint.internal.proto.GetDeadWorkersReply deadWorkersAfter(long afterSeq) {
    long last = deadWorkersBase + deadWorkers.size();
    int from = (int) Math.max(0, Math.min(deadWorkers.size(), afterSeq - deadWorkersBase));
    return io.glint.internal.proto.GetDeadWorkersReply.newBuilder()
        .addAllWorkerIds(deadWorkers.subList(from, deadWorkers.size()))
        .setLastSeq(last)
        .build();
  }

  /**
   * The worker deaths a node has not heard of yet (after {@code afterSeq}; -1: none, only the seq).
   */
  synchronized io.glint.internal.proto.ReportNodeResourcesReply deadWorkersForNode(long afterSeq) {
    var b = io.glint.internal.proto.ReportNodeResourcesReply.newBuilder();
    if (afterSeq < 0) {
      return b.setDeadWorkersSeq(deadWorkersBase + deadWorkers.size()).build();
    }
    var d = deadWorkersAfter(afterSeq);
    return b.addAllDeadWorkerIds(d.getWorkerIdsList()).setDeadWorkersSeq(d.getLastSeq()).build();
  }

  synchronized void onWorkerDeath(ByteString actorId, ByteString workerId, String reason) {
    ActorRecord a = actors.get(actorId);
    if (a == null || !workerId.equals(a.workerId) || a.state == ActorState.ACTOR_STATE_DEAD) {
      return;
    }
    onActorProcessDied(a, reason);
  }

  /** The actor's process is gone: restart it if allowed, else it is dead. Holds the lock. */
  private void onActorProcessDied(ActorRecord a, String reason) {
    int max = a.creation.getActorCreation().getMaxRestarts();
    a.address = null;
    a.workerId = null;
    a.leaseId = null;
    if (max == -1 || a.restarts < max) {
      a.restarts++;
      a.state = ActorState.ACTOR_STATE_RESTARTING;
      state.actor(a.stored());
      LOG.log(
          System.Logger.Level.INFO,
          "Restarting actor "
              + a.creation.getName()
              + " ("
              + a.restarts
              + "/"
              + (max == -1 ? "inf" : max)
              + "): "
              + reason);
      scheduleActor(a);
    } else {
      markDead(
          a,
          Failures.system(
              FailureKind.FAILURE_KIND_ACTOR_DIED,
              "ActorDiedError",
              reason + (max > 0 ? " (after " + a.restarts + " restarts)" : ""),
              false));
    }
  }

  /** Holds the lock. */
  private void markDead(ActorRecord a, Failure cause) {
    a.state = ActorState.ACTOR_STATE_DEAD;
    a.deathCause = cause;
    a.address = null;
    a.incarnation++;
    state.actorGone(a.id());
    notifyWaiters(a);
  }

  private static Failure deathCause(String type, String message) {
    return Failures.system(FailureKind.FAILURE_KIND_ACTOR_DIED, type, message, false);
  }

  /** Holds the lock. */
  private void notifyWaiters(ActorRecord a) {
    ActorInfo info = a.info();
    for (CompletableFuture<ActorInfo> w : a.waiters) {
      w.complete(info);
    }
    a.waiters.clear();
  }

  /** Completes when the actor is alive or dead, or after the timeout with its current state. */
  synchronized CompletableFuture<ActorInfo> waitActor(ByteString actorId, long timeoutMs) {
    ActorRecord a = actors.get(actorId);
    if (a == null) {
      return CompletableFuture.completedFuture(
          ActorInfo.newBuilder()
              .setActorId(actorId)
              .setState(ActorState.ACTOR_STATE_DEAD)
              .setDeathCause(
                  deathCause(
                      "ActorNotFoundError", "the cluster knows no actor " + Ids.shortHex(actorId)))
              .build());
    }
    if (a.state == ActorState.ACTOR_STATE_ALIVE || a.state == ActorState.ACTOR_STATE_DEAD) {
      return CompletableFuture.completedFuture(a.info());
    }
    CompletableFuture<ActorInfo> f = new CompletableFuture<>();
    a.waiters.add(f);
    timer.schedule(
        () -> {
          synchronized (this) {
            if (a.waiters.remove(f)) {
              f.complete(a.info());
            }
          }
        },
        Math.max(1, timeoutMs),
        TimeUnit.MILLISECONDS);
    return f;
  }

  synchronized ActorInfo namedActor(String name, String namespace) {
    ByteString id = names.get(namespace + "\u0000" + name);
    if (id == null) {
      return null;
    }
    ActorRecord a = actors.get(id);
    return a == null || a.state == ActorState.ACTOR_STATE_DEAD ? null : a.info();
  }

  void killActor(ByteString actorId, boolean noRestart) {
    killActor(actorId, noRestart, "the actor was killed by Glint.kill");
  }

  void killActor(ByteString actorId, boolean noRestart, String why) {
    Address node = null;
    ByteString worker = null;
    synchronized (this) {
      ActorRecord a = actors.get(actorId);
      if (a == null || a.state == ActorState.ACTOR_STATE_DEAD) {
        return;
      }
      worker = a.workerId;
      NodeRecord n = a.nodeId == null ? null : nodes.get(a.nodeId);
      node = n == null ? null : n.info.getAddress();
      if (noRestart) {
        markDead(a, deathCause("ActorDiedError", why));
      } else if (worker == null) {
        onActorProcessDied(a, why);
      }
    }
    if (node != null && worker != null) {
      NodeServiceGrpc.newStub(channels.get(node))
          .killWorker(
              KillWorkerRequest.newBuilder().setWorkerId(worker).setReason("Glint.kill").build(),
              Rpc.ignore());
    }
  }

  private void returnLease(Address node, ByteString leaseId) {
    NodeServiceGrpc.newStub(channels.get(node))
        .returnWorkerLease(
            ReturnLeaseRequest.newBuilder().setLeaseId(leaseId).setDisconnectWorker(true).build(),
            Rpc.ignore());
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      for (ActorRecord a : actors.values()) {
        a.waiters.forEach(
            w -> w.complete(a.info().toBuilder().setState(ActorState.ACTOR_STATE_DEAD).build()));
        a.waiters.clear();
      }
    }
    placementGroups.close();
    timer.shutdownNow();
    Grpc.shutdown(server);
    channels.close();
    executor.shutdownNow();
    state.close();
  }
}
