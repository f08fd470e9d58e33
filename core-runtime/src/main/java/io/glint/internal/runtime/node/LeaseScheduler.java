package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.proto.LeaseGrant;
import io.glint.internal.proto.LeaseReply;
import io.glint.internal.proto.LeaseRequest;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Grants worker leases: it accounts for the node's resources (CPU, GPU indices, memory, custom),
 * reserves them for lease requests in arrival order among those that fit (a large request does not
 * block smaller ones behind it), takes idle workers from the {@link WorkerPool} or has it start
 * some, and takes leases back. A worker blocked in {@code get} gives its CPU back until it resumes
 * (the node may then be briefly oversubscribed, as in Ray).
 *
 * <p>One lock, this object's, covers the scheduler and its worker pool (Ray runs both on the
 * raylet's event loop). The object store is not under it.
 */
final class LeaseScheduler implements WorkerPool.Events {
  private static final System.Logger LOG = System.getLogger(LeaseScheduler.class.getName());

  /** A lease request waiting for resources or a worker. */
  final class PendingLease {
    final LeaseRequest request;
    final StreamObserver<LeaseReply> reply;
    final ResourceSet resources;
    boolean reserved;
    List<Integer> gpuIds = List.of();
    // Where gpuIds came from (the node's pool, or a bundle's), and how much of it.
    GpuPool gpuPool;
    double gpuQuantity;
    WorkerProcess dedicated;
    final SchedulingClassCap.Kind kind;

    final long queuedAtNanos = System.nanoTime();

    PendingLease(LeaseRequest request, StreamObserver<LeaseReply> reply) {
      this.request = request;
      this.reply = reply;
      this.resources = ResourceSet.fromProto(request.getResources());
      this.kind = SchedulingClassCap.kindOf(request, resources);
    }

    boolean needsDedicatedWorker() {
      return request.getForActor() && request.getJvmOptionsCount() > 0;
    }
  }

  /** A granted lease: a worker and the resources it holds. */
  final class Lease {
    final ByteString leaseId;
    final WorkerProcess worker;
    ResourceSet held;
    final List<Integer> gpuIds;
    final GpuPool gpuPool;
    final double gpuQuantity;
    final boolean forActor;
    final ResourceSet running;
    final ByteString requester;
    final ByteString requesterNode;
    final long grantedAtNanos = System.nanoTime();
    final SchedulingClassCap.Kind kind;
    boolean blocked;

    Lease(ByteString leaseId, WorkerProcess worker, PendingLease p) {
      this.requester = p.request.getRequesterWorkerId();
      this.requesterNode = p.request.getRequesterNodeId();
      this.leaseId = leaseId;
      this.worker = worker;
      this.held = p.resources;
      this.gpuIds = p.gpuIds;
      this.gpuPool = p.gpuPool;
      this.gpuQuantity = p.gpuQuantity;
      this.forActor = p.request.getForActor();
      this.running = ResourceSet.fromProto(p.request.getRunningResources());
      this.kind = p.kind;
    }
  }

  /** A worker that exited, as the node daemon reports it. */
  record Exit(WorkerProcess worker, int exitCode, boolean intentional, ByteString actorId) {}

  private final int maxStartupConcurrency;
  private final GpuPool gpus;
  private final WorkerPool pool;
  private final Consumer<Exit> onExit;

  /** This node's id; the cluster's nodes as the control service last reported them. */
  private final ByteString nodeId;

  // Guarded by this.
  /** The node's resources, grown by the committed bundles of placement groups. */
  private ResourceSet total;

  /** Placement group bundles reserved here (prepared), and made schedulable (committed). */
  private final Map<ByteString, Map<Integer, ResourceSet>> preparedBundles = new HashMap<>();

  private final Map<ByteString, Map<Integer, ResourceSet>> committedBundles = new HashMap<>();

  /** GPU indices each bundle with GPUs reserved, by group; prepared, then committed (by hex). */
  private final Map<ByteString, Map<Integer, List<Integer>>> bundleGpuIds = new HashMap<>();

  private final Map<String, Map<Integer, GpuPool>> bundleGpus = new HashMap<>();

  private Map<ByteString, io.glint.internal.proto.NodeInfo> view = Map.of();
  private int spreadNext;
  private ResourceSet available;
  private final List<PendingLease> pending = new ArrayList<>();
  private final SchedulingClassCap cap;
  private final DemandReport demand = new DemandReport();
  private final Map<ByteString, Lease> leases = new HashMap<>();
  private boolean closed;

  LeaseScheduler(
      ByteString nodeId,
      ResourceSet total,
      int maxStartupConcurrency,
      WorkerPool pool,
      Consumer<Exit> onExit) {
    this.nodeId = nodeId;
    this.total = total;
    this.available = total;
    this.cap = new SchedulingClassCap(total.get(ResourceSet.CPU));
    this.maxStartupConcurrency = maxStartupConcurrency;
    this.gpus = new GpuPool((int) Math.floor(total.get(ResourceSet.GPU)));
    this.pool = pool;
    this.onExit = onExit;
    pool.setEvents(this);
  }

  /** Grants what waited for a capped kind's delay to pass (the node calls it every 100 ms). */
  synchronized void dispatchCapped() {
    if (cap.anyAtCap() && !pending.isEmpty()) {
      dispatch();
    }
  }

  synchronized ResourceSet available() {
    return available;
  }

  synchronized int workerCount() {
    return pool.size();
  }

  synchronized int idleWorkerCount() {
    return pool.idleCount();
  }

  synchronized List<Long> workerPids() {
    return pool.livePids();
  }

  /** Each worker process and its state (without its memory: see {@link WorkerTable}). */
  synchronized List<io.glint.internal.proto.WorkerProcessInfo> workerInfos() {
    return WorkerTable.infos(pool.all());
  }

  /** The actors whose leased workers this node runs (told to a restarted control service). */
  synchronized List<io.glint.internal.proto.ActorWorker> actorWorkers() {
    List<io.glint.internal.proto.ActorWorker> out = new java.util.ArrayList<>();
    for (Lease l : leases.values()) {
      WorkerProcess w = l.worker;
      if (w.actorId != null && !w.killed) {
        out.add(
            io.glint.internal.proto.ActorWorker.newBuilder()
                .setActorId(w.actorId)
                .setWorkerId(w.workerId)
                .setLeaseId(l.leaseId)
                .build());
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ leases

  synchronized void requestLease(LeaseRequest req, StreamObserver<LeaseReply> reply) {
    if (closed) {
      reject(reply, "node is shutting down");
      return;
    }
    int failures = pool.startFailures(req.getJobId());
    if (failures >= WorkerPool.MAX_START_FAILURES) {
      reject(
          reply,
          "worker failed to start "
              + failures
              + " times for this job: "
              + pool.lastStartError(req.getJobId()));
      return;
    }
    if (!req.getSpilledBack() && !req.getForActor()) {
      Placement where = place(req);
      if (where.unschedulable() != null) {
        try {
          reply.onNext(
              LeaseReply.newBuilder()
                  .setRejected(where.unschedulable())
                  .setUnschedulable(true)
                  .build());
          reply.onCompleted();
        } catch (RuntimeException ignored) {
          // the requester went away
        }
        return;
      }
      if (where.elsewhere() != null) {
        try {
          reply.onNext(LeaseReply.newBuilder().setSpillback(where.elsewhere()).build());
          reply.onCompleted();
        } catch (RuntimeException ignored) {
          // the requester went away
        }
        return;
      }
    }
    pending.add(new PendingLease(req, reply));
    LOG.log(
        System.Logger.Level.DEBUG,
        () ->
            "lease request "
                + ResourceSet.fromProto(req.getResources())
                + (req.getForActor() ? " (actor " + req.getRequesterName() + ")" : "")
                + "; available "
                + available
                + ", idle "
                + pool.idleCount());
    dispatch();
  }

  private static void reject(StreamObserver<LeaseReply> reply, String why) {
    try {
      reply.onNext(LeaseReply.newBuilder().setRejected(why).build());
      reply.onCompleted();
    } catch (RuntimeException ignored) {
      // the requester went away
    }
  }

  // ------------------------------------------------------------------ placement across nodes

  /** Where a lease request should be served: here (both null), elsewhere, or nowhere. */
  private record Placement(io.glint.internal.proto.Address elsewhere, String unschedulable) {
    static final Placement HERE = new Placement(null, null);
  }

  /** The cluster's nodes as the control service reported them (with each heartbeat). */
  synchronized void updateView(List<io.glint.internal.proto.NodeInfo> nodes) {
    Map<ByteString, io.glint.internal.proto.NodeInfo> m = new java.util.LinkedHashMap<>();
    for (io.glint.internal.proto.NodeInfo n : nodes) {
      m.put(n.getNodeId(), n);
    }
    view = m;
    // Requests and leases of processes on nodes that died: nobody will use or return them.
    for (io.glint.internal.proto.NodeInfo n : nodes) {
      if (!n.getAlive()) {
        releaseLeasesOfNode(n.getNodeId());
      }
    }
    // Requests waiting here (redirected ones too) that this node can never serve (it lacks a
    // resource another node gained since, such as a placement group's bundle), or that another
    // node has room for now while this one has none (Ray re-schedules queued work so): go there.
    Iterator<PendingLease> it = pending.iterator();
    while (it.hasNext()) {
      PendingLease p = it.next();
      if (p.reserved || p.request.getForActor()) {
        continue;
      }
      boolean neverHere = !p.resources.fitsIn(total);
      var strategy = p.request.getSchedulingStrategy();
      boolean movable =
          !strategy.hasNodeAffinity()
              && !strategy.hasSpread()
              && !strategy.hasPlacementGroup()
              && !p.resources.fitsIn(available);
      if (!neverHere && !movable) {
        continue;
      }
      Placement where = neverHere ? place(p.request) : roomElsewhere(p.resources);
      if (where.elsewhere() != null) {
        it.remove();
        try {
          p.reply.onNext(LeaseReply.newBuilder().setSpillback(where.elsewhere()).build());
          p.reply.onCompleted();
        } catch (RuntimeException ignored) {
          // the requester went away
        }
      }
    }
  }

  /**
   * Ray's policies. Node affinity: that node (a hard affinity to a node that is dead, or cannot
   * hold the request, is unschedulable; a soft one falls back to the default). Spread: the
   * cluster's nodes that can hold it, in turn. Default (hybrid): here while this node has room;
   * else the least loaded node with room now; else here if this node could ever hold it, else a
   * node that could. Holds the lock.
   */
  private Placement place(LeaseRequest req) {
    ResourceSet need = ResourceSet.fromProto(req.getResources());
    var strategy = req.getSchedulingStrategy();
    if (strategy.hasNodeAffinity()) {
      ByteString target = strategy.getNodeAffinity().getNodeId();
      if (target.equals(nodeId) && need.fitsIn(total)) {
        return Placement.HERE;
      }
      io.glint.internal.proto.NodeInfo n = view.get(target);
      boolean usable =
          n != null && n.getAlive() && need.fitsIn(ResourceSet.fromProto(n.getTotal()));
      if (usable && !target.equals(nodeId)) {
        return new Placement(n.getAddress(), null);
      }
      if (!strategy.getNodeAffinity().getSoft()) {
        return new Placement(
            null,
            "NodeAffinityError: node "
                + Ids.shortHex(target)
                + (n == null
                    ? " is not part of the cluster"
                    : !n.getAlive() ? " is dead" : " cannot hold " + need.describe())
                + " (hard node affinity)");
      }
    }
    List<io.glint.internal.proto.NodeInfo> feasible = new ArrayList<>();
    for (io.glint.internal.proto.NodeInfo n : view.values()) {
      if (n.getAlive() && need.fitsIn(ResourceSet.fromProto(n.getTotal()))) {
        feasible.add(n);
      }
    }
    if (strategy.hasSpread() && !feasible.isEmpty()) {
      feasible.sort(java.util.Comparator.comparing(n -> Ids.hex(n.getNodeId())));
      io.glint.internal.proto.NodeInfo chosen = feasible.get(spreadNext++ % feasible.size());
      return chosen.getNodeId().equals(nodeId) ? Placement.HERE : elsewhere(chosen, need);
    }
    boolean waitingHere = pending.stream().anyMatch(p -> !p.reserved);
    if (!waitingHere && need.fitsIn(available)) {
      return Placement.HERE;
    }
    io.glint.internal.proto.NodeInfo best = null;
    double bestLoad = Double.MAX_VALUE;
    for (io.glint.internal.proto.NodeInfo n : feasible) {
      if (n.getNodeId().equals(nodeId) || !need.fitsIn(ResourceSet.fromProto(n.getAvailable()))) {
        continue;
      }
      double load = utilization(n);
      if (load < bestLoad) {
        best = n;
        bestLoad = load;
      }
    }
    if (best != null) {
      return elsewhere(best, need);
    }
    if (need.fitsIn(total) || feasible.isEmpty()) {
      return Placement.HERE; // wait here (or stay pending: nothing can hold it yet)
    }
    return elsewhere(feasible.get(0), need);
  }

  /** The least loaded other node with room for {@code need} now, as a spillback; else here. */
  private Placement roomElsewhere(ResourceSet need) {
    io.glint.internal.proto.NodeInfo best = null;
    for (io.glint.internal.proto.NodeInfo n : view.values()) {
      if (n.getAlive()
          && !n.getNodeId().equals(nodeId)
          && need.fitsIn(ResourceSet.fromProto(n.getAvailable()))
          && (best == null || utilization(n) < utilization(best))) {
        best = n;
      }
    }
    return best == null ? Placement.HERE : elsewhere(best, need);
  }

  /** Spills to {@code n}, counting the request against its availability until the next report. */
  private Placement elsewhere(io.glint.internal.proto.NodeInfo n, ResourceSet need) {
    ResourceSet avail = ResourceSet.fromProto(n.getAvailable());
    ResourceSet left = need.fitsIn(avail) ? avail.minus(need) : avail;
    Map<ByteString, io.glint.internal.proto.NodeInfo> m = new java.util.LinkedHashMap<>(view);
    m.put(n.getNodeId(), n.toBuilder().setAvailable(left.toProto()).build());
    view = m;
    return new Placement(n.getAddress(), null);
  }

  private static double utilization(io.glint.internal.proto.NodeInfo n) {
    double total = ResourceSet.fromProto(n.getTotal()).get(ResourceSet.CPU);
    double free = ResourceSet.fromProto(n.getAvailable()).get(ResourceSet.CPU);
    return total <= 0 ? 1 : 1 - free / total;
  }

  /**
   * What holds this node's resources while requests wait: null when no request has waited {@code
   * minWaitMs}; else the leases (worker, holder, resources, blocked) and the waiting requests, for
   * a warning in the node's log.
   */
  synchronized String describeIfStuck(long minWaitMs) {
    return StuckReport.describe(
        minWaitMs, pending, leases.values(), available, total, pool.describe());
  }

  synchronized Map<ResourceSet, Integer> pendingDemand() {
    return demand.of(pending);
  }

  synchronized void reportBacklog(io.glint.internal.proto.ReportBacklogRequest r) {
    demand.backlog(r);
  }

  /** Grants what can be granted. Holds the lock. */
  private void dispatch() {
    long now = System.nanoTime();
    Iterator<PendingLease> it = pending.iterator();
    while (it.hasNext()) {
      PendingLease p = it.next();
      if (!p.reserved) {
        if (!p.resources.fitsIn(available) || !cap.allows(p.kind, now)) {
          continue;
        }
        if (!claimGpus(p)) {
          continue;
        }
        available = available.minus(p.resources);
        p.reserved = true;
        cap.started(p.kind, now);
      }
      WorkerProcess w = takeWorker(p);
      if (w == null) {
        continue;
      }
      it.remove();
      grant(p, w);
    }
  }

  /** An idle worker for {@code p}, or null after making sure one is starting. */
  private WorkerProcess takeWorker(PendingLease p) {
    ByteString job = p.request.getJobId();
    if (p.needsDedicatedWorker()) {
      if (p.dedicated == null) {
        p.dedicated = startWorker(job, p.request.getJvmOptionsList(), p);
      }
      return p.dedicated != null && p.dedicated.address != null ? p.dedicated : null;
    }
    WorkerProcess w = pool.takeIdle(job);
    if (w != null) {
      return w;
    }
    // Start another worker if fewer are starting than leases wait for one.
    long waiting =
        pending.stream()
            .filter(
                x -> x.reserved && x.request.getJobId().equals(job) && !x.needsDedicatedWorker())
            .count();
    if (pool.startingFor(job) < waiting && pool.startingTotal() < maxStartupConcurrency) {
      startWorker(job, List.of(), null);
    }
    return null;
  }

  private void grant(PendingLease p, WorkerProcess w) {
    Lease l = new Lease(Ids.random(), w, p);
    LOG.log(
        System.Logger.Level.DEBUG,
        () ->
            "grant "
                + p.resources
                + (p.request.getForActor() ? " (actor " + p.request.getRequesterName() + ")" : "")
                + " -> worker pid "
                + w.pid
                + "; available now "
                + available);
    leases.put(l.leaseId, l);
    w.lease = l;
    w.reservedFor = null;
    if (p.request.getForActor()) {
      w.actorId = p.request.getActorId();
      w.actorName = p.request.getRequesterName();
      w.detached = p.request.getDetached();
    }
    try {
      p.reply.onNext(
          LeaseReply.newBuilder()
              .setGranted(
                  LeaseGrant.newBuilder()
                      .setLeaseId(l.leaseId)
                      .setWorkerAddress(w.address)
                      .setWorkerPid(w.pid)
                      .addAllGpuIds(l.gpuIds))
              .build());
      p.reply.onCompleted();
    } catch (RuntimeException e) {
      // The requester went away: take the lease back.
      releaseLease(l, false);
    }
  }

  synchronized void returnLease(ByteString leaseId, boolean disconnect) {
    Lease l = leases.get(leaseId);
    LOG.log(
        System.Logger.Level.DEBUG,
        () ->
            "return lease "
                + (l == null ? "(unknown)" : "of pid " + l.worker.pid)
                + " disconnect="
                + disconnect);
    if (l != null) {
      releaseLease(l, disconnect || l.forActor);
      dispatch();
    }
  }

  /** Holds the lock. */
  private void releaseLease(Lease l, boolean killWorker) {
    leases.remove(l.leaseId);
    cap.ended(l.kind);
    if (!l.blocked) {
      available = available.plus(l.held);
    } else {
      available = available.plus(l.held.minus(l.held.only(ResourceSet.CPU)));
    }
    if (l.gpuPool != null) {
      l.gpuPool.release(l.gpuIds, l.gpuQuantity);
    }
    WorkerProcess w = l.worker;
    w.lease = null;
    if (killWorker || w.killed || !w.alive()) {
      pool.kill(w);
    } else {
      pool.makeIdle(w);
    }
  }

  synchronized boolean cancelLease(ByteString requestId) {
    Iterator<PendingLease> it = pending.iterator();
    while (it.hasNext()) {
      PendingLease p = it.next();
      if (p.request.getLeaseRequestId().equals(requestId)) {
        it.remove();
        unreserve(p);
        reject(p.reply, "cancelled");
        dispatch();
        return true;
      }
    }
    return false;
  }

  synchronized void commitActorLease(ByteString leaseId) {
    Lease l = leases.get(leaseId);
    if (l == null || !l.forActor) {
      return;
    }
    available = available.plus(l.held).minus(l.running);
    l.held = l.running;
    dispatch();
  }

  synchronized void workerBlocked(ByteString workerId, boolean blocked, long seq) {
    WorkerProcess w = pool.get(workerId);
    if (w == null || w.staleBlockedNotice(seq) || w.lease == null || w.lease.blocked == blocked) {
      return;
    }
    Lease l = w.lease;
    l.blocked = blocked;
    ResourceSet cpu = l.held.only(ResourceSet.CPU);
    available = blocked ? available.plus(cpu) : available.minus(cpu);
    if (blocked) {
      dispatch();
    }
  }

  /**
   * Worker processes elsewhere died (as the control service's log says): the leases they held here
   * and the requests they left waiting go, as for this node's own workers.
   */
  synchronized void requestersDied(List<ByteString> workerIds) {
    for (ByteString w : workerIds) {
      releaseLeasesHeldBy(w);
    }
    dispatch();
  }

  /** Holds the lock. Like {@link #releaseLeasesHeldBy} for every process of a dead node. */
  private void releaseLeasesOfNode(ByteString deadNode) {
    if (deadNode.equals(nodeId)) {
      return;
    }
    boolean freed =
        releaseWhere(
            l -> deadNode.equals(l.requesterNode),
            p -> deadNode.equals(p.request.getRequesterNodeId()));
    if (freed) {
      dispatch();
    }
  }

  /**
   * Holds the lock. A process that died cannot return its leases: take them back (their workers go
   * back to the pool) and drop its pending requests.
   */
  private void releaseLeasesHeldBy(ByteString requester) {
    if (requester.isEmpty()) {
      return;
    }
    releaseWhere(
        l -> requester.equals(l.requester),
        p -> requester.equals(p.request.getRequesterWorkerId()));
  }

  /**
   * Holds the lock. Takes back the leases and drops the pending requests that match (their holder
   * is gone); true when any did.
   */
  private boolean releaseWhere(
      java.util.function.Predicate<Lease> lease,
      java.util.function.Predicate<PendingLease> request) {
    boolean freed = false;
    for (Lease l : new ArrayList<>(leases.values())) {
      if (lease.test(l)) {
        releaseLease(l, l.forActor);
        freed = true;
      }
    }
    Iterator<PendingLease> it = pending.iterator();
    while (it.hasNext()) {
      PendingLease p = it.next();
      if (request.test(p)) {
        it.remove();
        unreserve(p);
        freed = true;
      }
    }
    return freed;
  }

  /**
   * Picks GPU indices for a request: from the node's GPUs, or (for work in a placement group) from
   * the GPUs its bundle reserved. False when they are not free. Holds the lock.
   */
  private boolean claimGpus(PendingLease p) {
    double plain = p.resources.get(ResourceSet.GPU);
    if (plain > 0) {
      List<Integer> ids = gpus.allocate(plain);
      if (ids == null) {
        return false;
      }
      p.gpuIds = ids;
      p.gpuPool = gpus;
      p.gpuQuantity = plain;
      return true;
    }
    var demand = io.glint.internal.runtime.common.PlacementResources.gpuDemand(p.resources);
    Map<Integer, GpuPool> pools = demand == null ? null : bundleGpus.get(demand.groupHex());
    if (pools == null) {
      return true;
    }
    List<GpuPool> candidates =
        demand.index() >= 0
            ? (pools.containsKey(demand.index()) ? List.of(pools.get(demand.index())) : List.of())
            : new ArrayList<>(pools.values());
    for (GpuPool pool : candidates) {
      List<Integer> ids = pool.allocate(demand.quantity());
      if (ids != null) {
        p.gpuIds = ids;
        p.gpuPool = pool;
        p.gpuQuantity = demand.quantity();
        return true;
      }
    }
    return false;
  }

  /** Holds the lock. Gives back what a dropped lease request had reserved. */
  private void unreserve(PendingLease p) {
    if (p.reserved) {
      cap.ended(p.kind);
      available = available.plus(p.resources);
      if (p.gpuPool != null) {
        p.gpuPool.release(p.gpuIds, p.gpuQuantity);
      }
      p.gpuIds = List.of();
      p.gpuPool = null;
      p.reserved = false;
    }
    if (p.dedicated != null) {
      pool.kill(p.dedicated);
      p.dedicated = null;
    }
  }

  /** Holds the lock. A worker of {@code job} failed to start; after too many, refuse its leases. */
  private void startFailed(ByteString job, String error) {
    int n = pool.recordStartFailure(job, error);
    if (n < WorkerPool.MAX_START_FAILURES) {
      return;
    }
    Iterator<PendingLease> it = pending.iterator();
    while (it.hasNext()) {
      PendingLease p = it.next();
      if (p.request.getJobId().equals(job)) {
        it.remove();
        unreserve(p);
        reject(p.reply, "worker failed to start " + n + " times for this job: " + error);
      }
    }
  }

  // ------------------------------------------------------------------ workers

  synchronized void prestart(ByteString job, int count, Runnable retryLater) {
    if (!pool.knowsJob(job)) {
      startWorker(job, List.of(), null); // fetches the config
      retryLater.run();
      return;
    }
    for (long i = pool.countForJob(job); i < count; i++) {
      startWorker(job, List.of(), null);
    }
  }

  /** Holds the lock. {@link WorkerPool#start}, with a failed start recorded. */
  private WorkerProcess startWorker(
      ByteString job, List<String> jvmOptions, PendingLease forLease) {
    try {
      return pool.start(job, jvmOptions, forLease);
    } catch (WorkerPool.StartFailure e) {
      startFailed(job, e.getMessage());
      return null;
    }
  }

  @Override
  public synchronized void jobConfigFetched(ByteString job, JobConfig cfg, String whyNot) {
    pool.jobConfigArrived(job, cfg);
    if (cfg == null) {
      startFailed(
          job, whyNot != null ? whyNot : "the control service does not know job " + Ids.hex(job));
    }
    dispatch();
  }

  /** A worker's server is up. Null when this node did not start it. */
  synchronized WorkerProcess registerWorker(
      ByteString workerId, io.glint.internal.proto.Address address) {
    WorkerProcess w = pool.registered(workerId, address);
    if (w != null) {
      dispatch();
    }
    return w;
  }

  @Override
  public void workerExited(WorkerProcess w) {
    int code = w.process.exitValue();
    Exit exit;
    synchronized (this) {
      boolean intentional = w.killed || closed;
      pool.removeExited(w);
      if (w.lease != null) {
        Lease l = w.lease;
        w.killed = true;
        releaseLease(l, true);
      }
      // Killed from outside (kill -9, SIGTERM) while starting is not a failure of the job's
      // workers to start: counting it would end up refusing the job's leases.
      boolean killedBySignal = code == 128 + 9 || code == 128 + 15;
      if (w.address == null && !intentional && !killedBySignal) {
        startFailed(
            w.jobId,
            "worker process (pid "
                + w.pid
                + ") exited with code "
                + code
                + " before registering; see "
                + w.errLog);
      }
      for (PendingLease p : pending) {
        if (p.dedicated == w) {
          p.dedicated = null;
        }
      }
      if (!closed) {
        releaseLeasesHeldBy(w.workerId);
        dispatch();
      }
      exit = closed ? null : new Exit(w, code, intentional, w.actorId);
    }
    if (exit != null) {
      onExit.accept(exit);
    }
  }

  /** A worker the memory monitor may end, and what it runs (for the failure's message). */
  record OomVictim(ByteString workerId, long pid, String what) {}

  /**
   * The worker to end when memory runs out, Ray's way: the newest lease running normal tasks (they
   * can be retried), else the newest actor; null when no leased worker is left.
   */
  synchronized OomVictim pickMemoryVictim() {
    Lease best = null;
    for (Lease l : leases.values()) {
      WorkerProcess w = l.worker;
      if (w.killed || !w.alive()) {
        continue;
      }
      if (best == null
          || (best.forActor && !l.forActor)
          || (best.forActor == l.forActor && l.grantedAtNanos > best.grantedAtNanos)) {
        best = l;
      }
    }
    if (best == null) {
      return null;
    }
    WorkerProcess w = best.worker;
    String what =
        best.forActor
            ? "actor "
                + (!w.actorName.isEmpty()
                    ? w.actorName
                    : w.actorId == null ? "" : Ids.shortHex(w.actorId))
            : "tasks of job " + Ids.shortHex(w.jobId);
    return new OomVictim(w.workerId, w.pid, what);
  }

  synchronized boolean killWorker(ByteString workerId) {
    WorkerProcess w = pool.get(workerId);
    if (w == null) {
      return false;
    }
    pool.kill(w);
    return true;
  }

  /** Kills a finished job's workers; returns its config (null when unknown here). */
  synchronized JobConfig killJobWorkers(ByteString job) {
    for (WorkerProcess w : pool.all()) {
      if (w.jobId.equals(job) && !w.detached) {
        pool.kill(w);
      }
    }
    return pool.removeJob(job);
  }

  /** Refuses waiting requests and returns the processes to end, for the node's shutdown. */
  List<Process> shutdown() {
    List<PendingLease> refused;
    List<Process> procs;
    synchronized (this) {
      if (closed) {
        return List.of();
      }
      closed = true;
      procs = pool.killAllForShutdown();
      refused = new ArrayList<>(pending);
      pending.clear();
    }
    for (PendingLease p : refused) {
      reject(p.reply, "node is shutting down");
    }
    return procs;
  }

  synchronized ResourceSet total() {
    return total;
  }

  // ------------------------------------------------------------------ placement group bundles

  /** Reserves resources for bundles of a group (all or none). */
  synchronized io.glint.internal.proto.PrepareBundlesReply prepareBundles(
      ByteString group, List<io.glint.internal.proto.Bundle> bundles) {
    var reply = io.glint.internal.proto.PrepareBundlesReply.newBuilder();
    if (closed) {
      return reply.setWhyNot("node is shutting down").build();
    }
    ResourceSet need = ResourceSet.EMPTY;
    Map<Integer, ResourceSet> byIndex = new java.util.LinkedHashMap<>();
    for (var b : bundles) {
      ResourceSet r = ResourceSet.fromProto(b.getResources());
      need = need.plus(r);
      byIndex.put(b.getIndex(), r);
    }
    if (!need.fitsIn(available)) {
      return reply
          .setWhyNot(
              "node has " + available.describe() + " free; the bundles need " + need.describe())
          .build();
    }
    // Each bundle's GPUs are particular GPUs of this node, so work in it gets their indices.
    Map<Integer, List<Integer>> gpuIds = new java.util.LinkedHashMap<>();
    for (var e : byIndex.entrySet()) {
      double q = e.getValue().get(ResourceSet.GPU);
      if (q <= 0) {
        continue;
      }
      List<Integer> ids = gpus.allocate(q);
      if (ids == null) {
        gpuIds.forEach((i, got) -> gpus.release(got, byIndex.get(i).get(ResourceSet.GPU)));
        return reply
            .setWhyNot("node has no " + ResourceSet.of(ResourceSet.GPU, q).describe() + " free")
            .build();
      }
      gpuIds.put(e.getKey(), ids);
    }
    if (!gpuIds.isEmpty()) {
      bundleGpuIds.computeIfAbsent(group, k -> new HashMap<>()).putAll(gpuIds);
    }
    available = available.minus(need);
    preparedBundles.merge(
        group,
        byIndex,
        (a, b) -> {
          Map<Integer, ResourceSet> m = new java.util.LinkedHashMap<>(a);
          m.putAll(b);
          return m;
        });
    return reply.setPrepared(true).build();
  }

  /** Makes prepared bundles schedulable as the group's resources. */
  synchronized void commitBundles(ByteString group) {
    Map<Integer, ResourceSet> b = preparedBundles.remove(group);
    if (b == null) {
      return;
    }
    Map<Integer, List<Integer>> gpuIds = bundleGpuIds.getOrDefault(group, Map.of());
    b.forEach(
        (i, r) -> {
          ResourceSet add =
              io.glint.internal.runtime.common.PlacementResources.committed(r, i, group);
          total = total.plus(add);
          available = available.plus(add);
          List<Integer> ids = gpuIds.get(i);
          if (ids != null) {
            bundleGpus
                .computeIfAbsent(Ids.hex(group), k -> new HashMap<>())
                .put(i, new GpuPool(ids, r.get(ResourceSet.GPU)));
          }
        });
    committedBundles.merge(
        group,
        b,
        (x, y) -> {
          Map<Integer, ResourceSet> m = new java.util.LinkedHashMap<>(x);
          m.putAll(y);
          return m;
        });
    dispatch();
  }

  /**
   * Gives a group's bundles back: the work using them ends (its workers are killed, its waiting
   * lease requests refused), their resources return to the node.
   */
  synchronized void cancelBundles(ByteString group) {
    Map<Integer, ResourceSet> prepared = preparedBundles.remove(group);
    if (prepared != null) {
      prepared.values().forEach(r -> available = available.plus(r));
    }
    Map<Integer, ResourceSet> committed = committedBundles.remove(group);
    if (committed != null) {
      for (Lease l : new ArrayList<>(leases.values())) {
        if (l.held.toMap().keySet().stream()
            .anyMatch(n -> io.glint.internal.runtime.common.PlacementResources.ofGroup(n, group))) {
          releaseLease(l, true);
        }
      }
      Iterator<PendingLease> it = pending.iterator();
      while (it.hasNext()) {
        PendingLease p = it.next();
        if (p.resources.toMap().keySet().stream()
            .anyMatch(n -> io.glint.internal.runtime.common.PlacementResources.ofGroup(n, group))) {
          it.remove();
          unreserve(p);
          try {
            p.reply.onNext(
                LeaseReply.newBuilder()
                    .setRejected("PlacementGroupRemovedError: its placement group was removed")
                    .setUnschedulable(true)
                    .build());
            p.reply.onCompleted();
          } catch (RuntimeException ignored) {
            // the requester went away
          }
        }
      }
      committed.forEach(
          (i, r) -> {
            ResourceSet add =
                io.glint.internal.runtime.common.PlacementResources.committed(r, i, group);
            total = total.minus(add);
            available = available.minus(add).plus(r);
          });
    }
    // The bundles' GPUs go back to the node.
    bundleGpus.remove(Ids.hex(group));
    Map<Integer, List<Integer>> gpuIds = bundleGpuIds.remove(group);
    if (gpuIds != null) {
      Map<Integer, ResourceSet> shapes = new HashMap<>();
      if (prepared != null) {
        shapes.putAll(prepared);
      }
      if (committed != null) {
        shapes.putAll(committed);
      }
      gpuIds.forEach(
          (i, ids) -> {
            ResourceSet shape = shapes.get(i);
            if (shape != null) {
              gpus.release(ids, shape.get(ResourceSet.GPU));
            }
          });
    }
    dispatch();
  }
}
