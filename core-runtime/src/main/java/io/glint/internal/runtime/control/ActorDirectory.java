package io.glint.internal.runtime.control;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.ActorInfo;
import io.glint.internal.proto.ActorState;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.CommitActorLeaseRequest;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.KillWorkerRequest;
import io.glint.internal.proto.LeaseReply;
import io.glint.internal.proto.LeaseRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.PushReply;
import io.glint.internal.proto.ReturnLeaseRequest;
import io.glint.internal.proto.StoredActor;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.common.Rpc;
import io.glint.internal.runtime.control.ControlServer.NodeRecord;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The control service's actor directory: actors are placed here. It leases a dedicated worker from
 * a node daemon, runs the constructor there, and publishes the actor's address once it is alive;
 * when an actor's process dies it is restarted while it has restarts left, else marked dead with
 * the cause. Names are cluster-wide per namespace. Every state change is written to the control
 * storage, so a restarted service takes the directory back.
 *
 * <p>It shares the control service's lock (nodes and actors change together); methods say when the
 * caller must hold it.
 */
final class ActorDirectory {
  private static final System.Logger LOG = System.getLogger(ActorDirectory.class.getName());

  private final Object lock;
  private final Map<ByteString, NodeRecord> nodes;
  private final ChannelPool channels;
  private final ScheduledExecutorService timer;
  private final ControlState state;

  // Guarded by lock.
  private final Map<ByteString, ActorRecord> actors = new HashMap<>();
  private final Map<String, ByteString> names = new HashMap<>();
  private final java.util.Set<ResourceSet> warnedShapes = new java.util.HashSet<>();
  private int nextNode;
  private boolean closed;

  ActorDirectory(
      Object lock,
      Map<ByteString, NodeRecord> nodes,
      ChannelPool channels,
      ScheduledExecutorService timer,
      ControlState state) {
    this.lock = lock;
    this.nodes = nodes;
    this.channels = channels;
    this.timer = timer;
    this.state = state;
  }

  /** Takes back the actors a restarted service found in storage. Holds the lock. */
  void recover(List<StoredActor> stored) {
    for (var sa : stored) {
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
    for (ActorRecord a : actors.values()) {
      if (a.state != ActorState.ACTOR_STATE_ALIVE && a.state != ActorState.ACTOR_STATE_DEAD) {
        a.workerId = null;
        a.leaseId = null;
        scheduleActor(a);
      }
    }
  }

  /**
   * Places the actors that wait for a node that can hold them (one joined, or grew). Holds the
   * lock.
   */
  void schedulePending() {
    for (ActorRecord a : actors.values()) {
      if (a.state == ActorState.ACTOR_STATE_PENDING_CREATION && a.nodeId == null) {
        scheduleActor(a);
      }
    }
  }

  /** The actors on a dead node restart elsewhere, or die. Holds the lock. */
  void nodeDied(ByteString nodeId, String why) {
    for (ActorRecord a : new ArrayList<>(actors.values())) {
      if (nodeId.equals(a.nodeId) && a.state != ActorState.ACTOR_STATE_DEAD) {
        onActorProcessDied(a, "the actor's node died: " + why);
      }
    }
  }

  /**
   * The job's actors end, except detached ones; true when a detached one lives on (its job's code
   * is still needed to restart it). Holds the lock.
   */
  boolean jobFinished(ByteString jobId) {
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
    return detachedLive;
  }

  /** Every actor's info, for the dashboard and {@code glint status}. */
  List<ActorInfo> all() {
    synchronized (lock) {
      return actors.values().stream().map(ActorRecord::info).toList();
    }
  }

  /** Ends every wait: the service stops. */
  void close() {
    synchronized (lock) {
      closed = true;
      for (ActorRecord a : actors.values()) {
        a.waiters.forEach(
            w -> w.complete(a.info().toBuilder().setState(ActorState.ACTOR_STATE_DEAD).build()));
        a.waiters.clear();
      }
    }
  }

  static final class ActorRecord {
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
              .setPid(pid)
              .setResources(creation.getPlacementResources());
      if (address != null) {
        b.setAddress(address);
      }
      if (deathCause != null) {
        b.setDeathCause(deathCause);
      }
      if (nodeId != null) {
        b.setNodeId(nodeId);
      }
      return b.build();
    }
  }

  /** The actors placed in a removed group end, for good. */
  void killActorsOfGroup(ByteString group) {
    List<ByteString> ids = new ArrayList<>();
    synchronized (lock) {
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

  /**
   * A node came back to a restarted service with the actor workers it still runs: actors the
   * service thought alive there whose worker is gone died while it was away; workers of actors that
   * are dead, unknown or now elsewhere are let go. Holds the lock.
   */
  void reconcile(NodeInfo node, List<io.glint.internal.proto.ActorWorker> running) {
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

  /** Registers an actor and starts placing it. Returns a failure when the name is taken. */
  Failure createActor(TaskSpec creation) {
    synchronized (lock) {
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
    synchronized (lock) {
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
                synchronized (lock) {
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
    synchronized (lock) {
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

  void onWorkerDeath(ByteString actorId, ByteString workerId, String reason) {
    synchronized (lock) {
      ActorRecord a = actors.get(actorId);
      if (a == null || !workerId.equals(a.workerId) || a.state == ActorState.ACTOR_STATE_DEAD) {
        return;
      }
      onActorProcessDied(a, reason);
    }
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
  CompletableFuture<ActorInfo> waitActor(ByteString actorId, long timeoutMs) {
    synchronized (lock) {
      ActorRecord a = actors.get(actorId);
      if (a == null) {
        return CompletableFuture.completedFuture(
            ActorInfo.newBuilder()
                .setActorId(actorId)
                .setState(ActorState.ACTOR_STATE_DEAD)
                .setDeathCause(
                    deathCause(
                        "ActorNotFoundError",
                        "the cluster knows no actor " + Ids.shortHex(actorId)))
                .build());
      }
      if (a.state == ActorState.ACTOR_STATE_ALIVE || a.state == ActorState.ACTOR_STATE_DEAD) {
        return CompletableFuture.completedFuture(a.info());
      }
      CompletableFuture<ActorInfo> f = new CompletableFuture<>();
      a.waiters.add(f);
      timer.schedule(
          () -> {
            synchronized (lock) {
              if (a.waiters.remove(f)) {
                f.complete(a.info());
              }
            }
          },
          Math.max(1, timeoutMs),
          TimeUnit.MILLISECONDS);
      return f;
    }
  }

  ActorInfo namedActor(String name, String namespace) {
    synchronized (lock) {
      ByteString id = names.get(namespace + "\u0000" + name);
      if (id == null) {
        return null;
      }
      ActorRecord a = actors.get(id);
      return a == null || a.state == ActorState.ACTOR_STATE_DEAD ? null : a.info();
    }
  }

  void killActor(ByteString actorId, boolean noRestart) {
    killActor(actorId, noRestart, "the actor was killed by Glint.kill");
  }

  void killActor(ByteString actorId, boolean noRestart, String why) {
    Address node = null;
    ByteString worker = null;
    synchronized (lock) {
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
}
