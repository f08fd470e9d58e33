package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.CancelLeaseRequest;
import io.glint.internal.proto.CancelTask;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.LeaseGrant;
import io.glint.internal.proto.LeaseReply;
import io.glint.internal.proto.LeaseRequest;
import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.ReturnLeaseRequest;
import io.glint.internal.proto.TaskResult;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Submits normal (non-actor) tasks, Ray's way: tasks are queued per resource shape; for each queue
 * the submitter leases workers from the node daemon and pushes tasks straight to them over one
 * long-lived stream per worker. Short tasks are pipelined (several in flight per worker) once the
 * worker's measured execution time shows they are short. An idle lease is kept briefly for the next
 * task, then returned. A task whose worker dies is retried on another worker while it has retries.
 */
final class NormalTaskSubmitter {
  private static final System.Logger LOG = System.getLogger(NormalTaskSubmitter.class.getName());

  /** Lease requests outstanding per resource shape (Ray's default). */
  private static final int MAX_PENDING_LEASES = 10;

  /** Pipeline depth for tasks measured to take well under a millisecond. */
  private static final int MAX_PIPELINE = 16;

  /** A task between submission and its result. */
  final class PendingTask {
    final ByteString taskId;
    final String name;
    final ResourceSet resources;
    final List<ByteString> returnIds;
    final List<ByteString> argRefs;
    final io.glint.internal.proto.SchedulingStrategy strategy;

    /** Set once the arguments are resolved. */
    volatile TaskSpec spec;

    int retriesLeft;
    int attempt;

    /** Times it was run again because an input's copy was lost with its node. */
    int lostInputRuns;

    volatile boolean cancelled;
    volatile Lease lease;
    volatile Queue queue;

    PendingTask(
        ByteString taskId,
        String name,
        ResourceSet resources,
        List<ByteString> returnIds,
        List<ByteString> argRefs,
        int maxRetries,
        io.glint.internal.proto.SchedulingStrategy strategy) {
      this.taskId = taskId;
      this.name = name;
      this.resources = resources;
      this.returnIds = returnIds;
      this.argRefs = argRefs;
      this.retriesLeft = maxRetries;
      this.strategy = strategy;
    }

    ByteString taskId() {
      return taskId;
    }

    /** Why the task has not run yet, for timeout messages. */
    String pendingReason() {
      Queue q = queue;
      if (lease != null) {
        return "it is running on a worker (pid " + lease.grant.getWorkerPid() + ")";
      }
      if (q != null && q.infeasible != null) {
        return q.infeasible;
      }
      if (q != null) {
        return "it is waiting for a worker with "
            + resources
            + " ("
            + q.leases.size()
            + " leased, "
            + q.leaseRequests.size()
            + " lease requests pending)";
      }
      return "its arguments are not ready yet";
    }
  }

  /**
   * Which queue a task joins: its resource shape, its scheduling strategy, and the node its leases
   * are asked of (the local node, the node holding most of its arguments, or its affinity node).
   */
  record QueueKey(
      ResourceSet resources,
      io.glint.internal.proto.SchedulingStrategy strategy,
      ByteString targetNode) {}

  /** Tasks of one resource shape and strategy, and the leases serving them. */
  final class Queue {
    final QueueKey key;
    final ResourceSet resources;
    final ArrayDeque<PendingTask> tasks = new ArrayDeque<>();
    final List<Lease> leases = new ArrayList<>();

    /**
     * Lease requests outstanding, and the node each was sent to. A request the submitter cancelled
     * leaves this map at once, so tasks queued after the cancel ask for fresh leases instead of
     * waiting on replies that will say "cancelled".
     */
    final Map<ByteString, Address> leaseRequests = new java.util.HashMap<>();

    volatile String infeasible;
    final BacklogReport backlog = new BacklogReport();

    Queue(QueueKey key) {
      this.key = key;
      this.resources = key.resources();
    }
  }

  /** A worker leased for one queue. */
  final class Lease implements WorkerStream.Listener {
    final Queue queue;
    final LeaseGrant grant;
    final Address nodeAddress;
    final Map<ByteString, PendingTask> inFlight = new LinkedHashMap<>();
    WorkerStream stream;
    long completed;
    double avgExecNanos;
    boolean dead;
    ScheduledFuture<?> idleReturn;

    Lease(Queue queue, LeaseGrant grant, Address nodeAddress) {
      this.queue = queue;
      this.grant = grant;
      this.nodeAddress = nodeAddress;
    }

    int capacity() {
      if (completed == 0) {
        return 1;
      }
      if (avgExecNanos < 1_000_000) {
        return MAX_PIPELINE;
      }
      if (avgExecNanos < 10_000_000) {
        return 2;
      }
      return 1;
    }

    @Override
    public void onResult(WorkerStream s, TaskResult result) {
      handleResult(this, result);
    }

    @Override
    public void onClosed(WorkerStream s, Status status) {
      handleStreamClosed(this, status);
    }
  }

  private final CoreWorker worker;
  private final ConcurrentHashMap<QueueKey, Queue> queues = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ByteString, PendingTask> tasks = new ConcurrentHashMap<>();
  private final long leaseIdleMs;
  private volatile boolean shutdown;

  NormalTaskSubmitter(CoreWorker worker, long leaseIdleMs) {
    this.worker = worker;
    this.leaseIdleMs = leaseIdleMs;
  }

  /** Registers a task (so it can be cancelled) before its arguments are resolved. */
  PendingTask newTask(
      ByteString taskId,
      String name,
      ResourceSet resources,
      List<ByteString> returnIds,
      List<ByteString> argRefs,
      int maxRetries,
      io.glint.internal.proto.SchedulingStrategy strategy) {
    PendingTask t =
        new PendingTask(taskId, name, resources, returnIds, argRefs, maxRetries, strategy);
    tasks.put(taskId, t);
    return t;
  }

  /** Queues a task whose arguments are resolved. */
  void submit(PendingTask t, TaskSpec spec) {
    t.spec = spec;
    if (t.cancelled) {
      finishCancelled(t);
      return;
    }
    String unschedulable = NodeAffinity.problem(worker, t.strategy, t.resources);
    if (unschedulable != null) {
      finish(
          t,
          Failures.system(
              FailureKind.FAILURE_KIND_RUNTIME, "TaskUnschedulableError", unschedulable, false));
      return;
    }
    Queue q =
        queues.computeIfAbsent(
            new QueueKey(t.resources, t.strategy, target(t, spec)), this::newQueue);
    t.queue = q;
    synchronized (q) {
      q.tasks.add(t);
      dispatch(q);
    }
  }

  /**
   * The node to ask for leases: an affinity node (when alive), else the node holding most of the
   * task's stored argument bytes (when it is not this one), else this process's node.
   */
  private ByteString target(PendingTask t, TaskSpec spec) {
    ByteString local = worker.localNodeAddress().getNodeId();
    if (t.strategy.hasNodeAffinity()) {
      ByteString n = t.strategy.getNodeAffinity().getNodeId();
      return worker.isAliveNode(n) ? n : local;
    }
    if (t.strategy.hasSpread() || t.argRefs.isEmpty()) { // no argument is in a store
      return local;
    }
    java.util.Map<ByteString, Long> bytes = new java.util.HashMap<>();
    for (List<io.glint.internal.proto.TaskArg> list :
        List.of(spec.getCapturedArgsList(), spec.getArgsList())) {
      for (io.glint.internal.proto.TaskArg a : list) {
        if (a.hasObject() && a.getObject().hasLocation()) {
          var loc = a.getObject().getLocation();
          bytes.merge(loc.getNodeId(), loc.getSizeBytes(), Long::sum);
        }
      }
    }
    ByteString best = local;
    long most = bytes.getOrDefault(local, 0L);
    for (var e : bytes.entrySet()) {
      if (e.getValue() > most && worker.isAliveNode(e.getKey())) {
        best = e.getKey();
        most = e.getValue();
      }
    }
    return best;
  }

  private Queue newQueue(QueueKey key) {
    ResourceSet resources = key.resources();
    Queue q = new Queue(key);
    String why = worker.infeasibility(resources);
    if (why != null) {
      q.infeasible = why;
      LOG.log(
          System.Logger.Level.WARNING,
          "Tasks that need "
              + resources.describe()
              + " cannot run yet: "
              + why
              + ". They stay pending until a node that can run them joins.");
    }
    return q;
  }

  /** Pushes queued tasks to leased workers with room; asks for more leases. Holds q's lock. */
  private void dispatch(Queue q) {
    while (!q.tasks.isEmpty()) {
      Lease best = null;
      // SPREAD: each lease was placed for one task, and serves only that one.
      boolean oneEach = q.key.strategy().hasSpread();
      for (Lease l : q.leases) {
        if (!l.dead
            && l.inFlight.size() < (oneEach ? 1 : l.capacity())
            && !(oneEach && l.completed > 0)
            && (best == null || l.inFlight.size() < best.inFlight.size())) {
          best = l;
        }
      }
      if (best == null) {
        break;
      }
      PendingTask t = q.tasks.poll();
      if (t.cancelled) {
        worker.async(() -> finishCancelled(t));
        continue;
      }
      if (best.idleReturn != null) {
        best.idleReturn.cancel(false);
        best.idleReturn = null;
      }
      best.inFlight.put(t.taskId(), t);
      t.lease = best;
      TaskSpec spec = t.spec;
      if (t.attempt != 0 || best.grant.getGpuIdsCount() > 0) {
        spec =
            spec.toBuilder()
                .setAttemptNumber(t.attempt)
                .addAllAssignedGpuIds(best.grant.getGpuIdsList())
                .build();
      }
      if (!best.stream.queue(spec)) {
        break; // the stream broke under us; its close handler requeues what is in flight
      }
    }
    q.leases.forEach(l -> l.stream.flush()); // one message per lease for what went to it
    int wanted = Math.min(q.tasks.size(), MAX_PENDING_LEASES) - q.leaseRequests.size();
    for (int i = 0; i < wanted && !shutdown; i++) {
      requestLease(q, worker.leaseTarget(q.key.targetNode()), false);
    }
    reportBacklog(q);
    if (q.tasks.isEmpty()) {
      if (!q.leaseRequests.isEmpty()) {
        q.leaseRequests.forEach(
            (id, node) ->
                worker
                    .nodeStub(node)
                    .cancelWorkerLease(
                        CancelLeaseRequest.newBuilder().setLeaseRequestId(id).build(),
                        CoreWorker.ignore()));
        q.leaseRequests.clear();
      }
      for (Lease l : q.leases) {
        if (l.inFlight.isEmpty() && l.idleReturn == null && !l.dead) {
          scheduleIdleReturn(l);
        }
      }
    }
  }

  private void scheduleIdleReturn(Lease l) {
    Runnable ret =
        () -> {
          synchronized (l.queue) {
            if (l.dead || !l.inFlight.isEmpty() || !l.queue.tasks.isEmpty()) {
              l.idleReturn = null;
              return;
            }
            l.dead = true;
            l.queue.leases.remove(l);
          }
          returnLease(l, false);
        };
    if (leaseIdleMs <= 0) {
      l.idleReturn = worker.scheduler().schedule(ret, 0, TimeUnit.MILLISECONDS);
    } else {
      l.idleReturn = worker.scheduler().schedule(ret, leaseIdleMs, TimeUnit.MILLISECONDS);
    }
  }

  private void returnLease(Lease l, boolean disconnect) {
    if (l.stream != null) {
      l.stream.close();
    }
    worker
        .nodeStub(l.nodeAddress)
        .returnWorkerLease(
            ReturnLeaseRequest.newBuilder()
                .setLeaseId(l.grant.getLeaseId())
                .setDisconnectWorker(disconnect)
                .build(),
            CoreWorker.ignore());
  }

  /** Tells the node holding this queue's lease requests how many more tasks wait, when due. */
  private void reportBacklog(Queue q) {
    int backlog = q.backlog.next(q.tasks.size(), q.leaseRequests.size());
    if (backlog < 0) {
      return;
    }
    worker
        .nodeStub(q.leaseRequests.values().iterator().next())
        .reportBacklog(
            io.glint.internal.proto.ReportBacklogRequest.newBuilder()
                .setJobId(worker.jobId())
                .setRequesterWorkerId(worker.settings().workerId())
                .setRequesterNodeId(worker.settings().nodeId())
                .setResources(q.resources.toProto())
                .setBacklog(backlog)
                .build(),
            CoreWorker.ignore());
  }

  private void requestLease(Queue q, Address node, boolean spilled) {
    ByteString requestId = Ids.random();
    LOG.log(
        System.Logger.Level.DEBUG,
        () ->
            "request lease "
                + q.resources
                + " queued="
                + q.tasks.size()
                + " pending="
                + q.leaseRequests.size());
    q.leaseRequests.put(requestId, node);
    LeaseRequest req =
        LeaseRequest.newBuilder()
            .setLeaseRequestId(requestId)
            .setJobId(worker.jobId())
            .setResources(q.resources.toProto())
            .setSpilledBack(spilled)
            .setRequesterWorkerId(worker.settings().workerId())
            .setRequesterNodeId(worker.settings().nodeId())
            .setSchedulingStrategy(q.key.strategy())
            .build();
    worker
        .nodeStub(node)
        .requestWorkerLease(
            req,
            new StreamObserver<>() {
              @Override
              public void onNext(LeaseReply reply) {
                onLeaseReply(q, node, requestId, reply);
              }

              @Override
              public void onError(Throwable t) {
                onLeaseReply(
                    q,
                    node,
                    requestId,
                    LeaseReply.newBuilder()
                        .setRejected("node daemon unreachable: " + Status.fromThrowable(t))
                        .build());
              }

              @Override
              public void onCompleted() {}
            });
  }

  private void onLeaseReply(Queue q, Address node, ByteString requestId, LeaseReply reply) {
    LOG.log(
        System.Logger.Level.DEBUG,
        () ->
            "lease reply "
                + reply.getOutcomeCase()
                + " "
                + reply.getRejected()
                + " queued="
                + q.tasks.size()
                + " pending="
                + q.leaseRequests.size()
                + " leases="
                + q.leases.size());
    Lease toReturn = null;
    List<PendingTask> toFail = List.of();
    String failure = null;
    boolean unschedulable = false;
    synchronized (q) {
      // A cancelled request was already taken off the books when it was cancelled.
      boolean live = q.leaseRequests.remove(requestId) != null;
      switch (reply.getOutcomeCase()) {
        case GRANTED -> {
          Lease l = new Lease(q, reply.getGranted(), node);
          if (q.tasks.isEmpty() || shutdown) {
            toReturn = l;
          } else {
            l.stream =
                new WorkerStream(
                    worker.taskStreams(), l.grant.getWorkerAddress(), l, worker::async);
            l.stream.start();
            q.leases.add(l);
            dispatch(q);
          }
        }
        case SPILLBACK -> {
          if (live && !q.tasks.isEmpty()) {
            requestLease(q, reply.getSpillback(), true);
          }
        }
        default -> {
          String why = reply.getRejected();
          if (reply.getUnschedulable() && !q.tasks.isEmpty()) {
            toFail = new ArrayList<>(q.tasks);
            q.tasks.clear();
            failure = why;
            unschedulable = true;
          } else if (why.startsWith("worker failed to start") && !q.tasks.isEmpty()) {
            // Workers of this job cannot start: fail what waits rather than retry forever.
            toFail = new ArrayList<>(q.tasks);
            q.tasks.clear();
            failure = why;
          } else if (why.equals("cancelled")) {
            if (!q.tasks.isEmpty() && !shutdown) {
              dispatch(q);
            }
          } else if (!q.tasks.isEmpty() && !shutdown) {
            worker
                .scheduler()
                .schedule(
                    () -> {
                      synchronized (q) {
                        dispatch(q);
                      }
                    },
                    100,
                    TimeUnit.MILLISECONDS);
          }
        }
      }
    }
    if (toReturn != null) {
      returnLease(toReturn, false);
    }
    for (PendingTask t : toFail) {
      finish(
          t,
          unschedulable
              ? Failures.system(
                  FailureKind.FAILURE_KIND_RUNTIME, "TaskUnschedulableError", failure, false)
              : Failures.system(
                  FailureKind.FAILURE_KIND_WORKER_CRASHED, "WorkerStartupError", failure, false));
    }
  }

  private void handleResult(Lease l, TaskResult r) {
    PendingTask t;
    synchronized (l.queue) {
      t = l.inFlight.remove(r.getTaskId());
      l.completed++;
      long n = r.getExecutionNanos();
      l.avgExecNanos = l.completed == 1 ? n : 0.8 * l.avgExecNanos + 0.2 * n;
    }
    if (t != null) {
      t.lease = null;
      if (r.hasFailure()) {
        Failure f = r.getFailure();
        if (t.cancelled) {
          finishCancelled(t);
        } else if (f.getKind() == FailureKind.FAILURE_KIND_OBJECT_LOST
            && t.lostInputRuns < MAX_LOST_INPUT_RUNS
            && inputsLost(t)) {
          // An input's copy went with its node: rebuild it, then run this task again (this does
          // not count against the task's own retries, as in Ray).
          t.lostInputRuns++;
          rerun(t, worker.recovery(), false);
        } else if (f.getKind() == FailureKind.FAILURE_KIND_TASK_ERROR
            && t.spec.getRetryExceptions()
            && t.retriesLeft != 0) {
          retry(t);
        } else {
          finish(t, f);
        }
      } else {
        tasks.remove(t.taskId());
        t.argRefs.forEach(worker::releaseTaskRef);
        worker.completeReturns(t.returnIds, r);
      }
    }
    boolean spent = false;
    synchronized (l.queue) {
      if (r.getWorkerExiting() && !l.dead) {
        l.dead = true;
        l.queue.leases.remove(l);
      } else if (l.queue.key.strategy().hasSpread() && !l.dead && l.inFlight.isEmpty()) {
        l.dead = true;
        l.queue.leases.remove(l);
        spent = true;
      }
      dispatch(l.queue);
    }
    if (spent) {
      returnLease(l, false);
    }
  }

  private void handleStreamClosed(Lease l, Status status) {
    LOG.log(
        System.Logger.Level.DEBUG,
        () ->
            "lease stream closed pid="
                + l.grant.getWorkerPid()
                + " "
                + status.getCode()
                + " inflight="
                + l.inFlight.size());
    List<PendingTask> lost;
    boolean wasDead;
    synchronized (l.queue) {
      wasDead = l.dead;
      l.dead = true;
      l.queue.leases.remove(l);
      lost = new ArrayList<>(l.inFlight.values());
      l.inFlight.clear();
      if (wasDead && lost.isEmpty()) {
        return;
      }
    }
    if (!wasDead) {
      returnLease(l, true);
    }
    String oom = lost.isEmpty() || shutdown ? null : memoryKillCause(l);
    for (PendingTask t : lost) {
      t.lease = null;
      if (t.cancelled) {
        finishCancelled(t);
      } else if (t.retriesLeft != 0 && !shutdown) {
        LOG.log(
            System.Logger.Level.INFO,
            "Worker (pid "
                + l.grant.getWorkerPid()
                + ") running "
                + t.name
                + (oom != null ? " was killed for memory" : " died")
                + "; retrying");
        retry(t);
      } else if (oom != null) {
        finish(
            t,
            Failures.system(
                FailureKind.FAILURE_KIND_OUT_OF_MEMORY,
                "OutOfMemoryError",
                "the task "
                    + t.name
                    + " was killed because "
                    + oom
                    + (t.spec.getMaxRetries() == 0
                        ? ""
                        : "; all " + t.spec.getMaxRetries() + " retries were used"),
                true));
      } else {
        finish(
            t,
            Failures.system(
                FailureKind.FAILURE_KIND_WORKER_CRASHED,
                "WorkerCrashedError",
                "the worker process (pid "
                    + l.grant.getWorkerPid()
                    + ") exited while running "
                    + t.name
                    + (t.spec.getMaxRetries() == 0
                        ? ""
                        : " and all " + t.spec.getMaxRetries() + " retries were used")
                    + " ("
                    + status.getCode()
                    + ")",
                true));
      }
    }
    synchronized (l.queue) {
      dispatch(l.queue);
    }
  }

  /** Why the node ended this lease's worker, when its memory monitor did; else null. */
  private String memoryKillCause(Lease l) {
    try {
      var reply =
          io.glint.internal.proto.NodeServiceGrpc.newBlockingStub(
                  worker.channels().get(l.nodeAddress))
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .getWorkerExitCause(
                  io.glint.internal.proto.GetWorkerExitCauseRequest.newBuilder()
                      .setWorkerId(l.grant.getWorkerAddress().getWorkerId())
                      .build());
      return reply.getOutOfMemory() ? reply.getCause() : null;
    } catch (io.grpc.StatusRuntimeException e) {
      return null; // the node is gone too: an ordinary crash as far as we can tell
    }
  }

  private void retry(PendingTask t) {
    if (t.retriesLeft > 0) {
      t.retriesLeft--;
    }
    t.attempt++;
    Queue q = t.queue;
    synchronized (q) {
      q.tasks.addFirst(t);
      dispatch(q);
    }
  }

  /** How often a task is run again for inputs lost with their node. */
  private static final int MAX_LOST_INPUT_RUNS = 3;

  /** Whether the task was sent a stored input this process owns whose copy was on a dead node. */
  private boolean inputsLost(PendingTask t) {
    for (List<io.glint.internal.proto.TaskArg> list :
        List.of(t.spec.getCapturedArgsList(), t.spec.getArgsList())) {
      for (io.glint.internal.proto.TaskArg a : list) {
        if (a.hasObject()
            && a.getObject().hasLocation()
            && worker.objects().owns(a.getObject().getRef().getObjectId())
            && worker
                .recovery()
                .lostCopy(
                    io.glint.internal.proto.ObjectStatus.newBuilder()
                        .setLocation(a.getObject().getLocation())
                        .build())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Why a finished task cannot be run again to rebuild its lost result, or null when it can: it
   * needs a retry left and every input it held still held by this process.
   */
  String whyNotRebuildable(PendingTask t) {
    if (t.spec == null) {
      return "its task never ran";
    }
    if (t.cancelled) {
      return "its task " + t.name + " was cancelled";
    }
    if (t.retriesLeft == 0) {
      return "its task "
          + t.name
          + " has no retries left (maxRetries "
          + t.spec.getMaxRetries()
          + ")";
    }
    for (ByteString id : t.argRefs) {
      if (!worker.objects().owns(id)) {
        return "its task "
            + t.name
            + " read object "
            + Ids.shortHex(id)
            + ", which this process no longer holds (it was freed, or borrowed from another"
            + " process)";
      }
    }
    return null;
  }

  /**
   * Runs a task again: to rebuild its lost result ({@code rebuild}: it had finished, and this uses
   * one of its retries), or because an input was lost. Inputs whose copies were lost are rebuilt
   * first; the task then runs with their new locations.
   */
  void rerun(PendingTask t, ObjectRecovery recovery, boolean rebuild) {
    if (rebuild) {
      if (t.retriesLeft > 0) {
        t.retriesLeft--;
      }
      if (tasks.putIfAbsent(t.taskId(), t) == null) {
        // It had finished and let go of its inputs: hold them again for the new run.
        t.argRefs.forEach(id -> worker.objects().addTaskRef(id));
      }
    }
    t.attempt++;
    TaskSpec old = t.spec;
    List<int[]> slots = new ArrayList<>();
    List<java.util.concurrent.CompletableFuture<io.glint.internal.proto.ObjectStatus>> deps =
        new ArrayList<>();
    for (int list = 0; list < 2; list++) {
      List<io.glint.internal.proto.TaskArg> args =
          list == 0 ? old.getCapturedArgsList() : old.getArgsList();
      for (int i = 0; i < args.size(); i++) {
        if (!args.get(i).hasObject()) {
          continue;
        }
        ObjectTable.Entry input =
            worker.objects().get(args.get(i).getObject().getRef().getObjectId());
        if (input != null) {
          deps.add(recovery.inputStatus(input));
          slots.add(new int[] {list, i});
        }
      }
    }
    java.util.concurrent.CompletableFuture.allOf(
            deps.toArray(java.util.concurrent.CompletableFuture[]::new))
        .whenComplete(
            (v, err) -> {
              TaskSpec.Builder b = old.toBuilder();
              for (int k = 0; k < deps.size(); k++) {
                io.glint.internal.proto.ObjectStatus s = deps.get(k).join();
                int[] slot = slots.get(k);
                io.glint.internal.proto.TaskArg a =
                    slot[0] == 0 ? b.getCapturedArgs(slot[1]) : b.getArgs(slot[1]);
                io.glint.internal.proto.TaskArg updated;
                switch (s.getStateCase()) {
                  case VALUE ->
                      updated =
                          io.glint.internal.proto.TaskArg.newBuilder()
                              .setValue(s.getValue())
                              .build();
                  case LOCATION ->
                      updated =
                          a.toBuilder()
                              .setObject(a.getObject().toBuilder().setLocation(s.getLocation()))
                              .build();
                  default -> {
                    finish(t, s.getFailure());
                    return;
                  }
                }
                if (slot[0] == 0) {
                  b.setCapturedArgs(slot[1], updated);
                } else {
                  b.setArgs(slot[1], updated);
                }
              }
              submit(t, b.build());
            });
  }

  /** Cancels a task this process submitted. Does nothing when it already finished. */
  void cancel(ByteString taskId, boolean force) {
    PendingTask t = tasks.get(taskId);
    if (t == null) {
      return;
    }
    t.cancelled = true;
    Queue q = t.queue;
    if (q != null) {
      boolean removed;
      synchronized (q) {
        removed = q.tasks.remove(t);
      }
      if (removed) {
        finishCancelled(t);
        return;
      }
    }
    Lease l = t.lease;
    if (l != null && l.stream != null) {
      l.stream.send(
          PushMessage.newBuilder()
              .setCancel(CancelTask.newBuilder().setTaskId(taskId).setForce(force))
              .build());
    }
  }

  PendingTask pending(ByteString taskId) {
    return tasks.get(taskId);
  }

  private void finishCancelled(PendingTask t) {
    finish(
        t,
        Failures.system(
            FailureKind.FAILURE_KIND_TASK_CANCELLED,
            "TaskCancelledError",
            "task " + t.name + " was cancelled",
            false));
  }

  private void finish(PendingTask t, Failure f) {
    if (tasks.remove(t.taskId()) == null) {
      return;
    }
    t.argRefs.forEach(worker::releaseTaskRef);
    worker.failReturns(t.returnIds, f);
  }

  /** Fails a task that never reached a worker (e.g. an argument failed). */
  void failBeforeSubmit(PendingTask t, Failure f) {
    finish(t, f);
  }

  /** Fails everything pending (the process is shutting down). */
  void shutdown() {
    shutdown = true;
    for (Queue q : queues.values()) {
      List<Lease> leases;
      synchronized (q) {
        leases = new ArrayList<>(q.leases);
        q.leases.clear();
        q.tasks.clear();
        for (Lease l : leases) {
          l.dead = true;
        }
      }
      for (Lease l : leases) {
        if (l.stream != null) {
          l.stream.close();
        }
      }
    }
    for (PendingTask t : new ArrayList<>(tasks.values())) {
      finish(
          t,
          Failures.system(
              FailureKind.FAILURE_KIND_TASK_CANCELLED,
              "ShutdownError",
              "Glint was shut down before " + t.name + " finished",
              false));
    }
  }
}
