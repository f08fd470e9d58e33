package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.CreateObjectReply;
import io.glint.internal.proto.CreateObjectRequest;
import io.glint.internal.proto.GetJobConfigReply;
import io.glint.internal.proto.GetJobConfigRequest;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.proto.LeaseGrant;
import io.glint.internal.proto.LeaseReply;
import io.glint.internal.proto.LeaseRequest;
import io.glint.internal.proto.LogBatch;
import io.glint.internal.proto.LogLine;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.ObjectStoreStats;
import io.glint.internal.proto.RegisterNodeRequest;
import io.glint.internal.proto.RegisterWorkerReply;
import io.glint.internal.proto.RegisterWorkerRequest;
import io.glint.internal.proto.ReportNodeResourcesReply;
import io.glint.internal.proto.ReportNodeResourcesRequest;
import io.glint.internal.proto.ReportWorkerDeathRequest;
import io.glint.internal.proto.StoredObjectInfo;
import io.glint.internal.proto.UnregisterNodeRequest;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.common.Rpc;
import io.glint.internal.store.ObjectStoreManager;
import io.glint.internal.store.SharedMemoryStore;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node daemon: one per machine. It accounts for the node's resources, grants worker leases,
 * starts and reuses worker processes (one job per worker), owns the node's shared-memory object
 * store, and forwards worker output to the job's driver.
 *
 * <p>Lease requests are granted in arrival order among those that fit: a large request does not
 * block smaller ones behind it. A worker blocked in {@code get} gives its CPU back until it resumes
 * (the node may then be briefly oversubscribed, as in Ray).
 */
public final class NodeDaemon implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(NodeDaemon.class.getName());
  private static final String WORKER_MAIN = "io.glint.internal.runtime.worker.WorkerMain";

  /** Consecutive failed starts of a job's workers after which its leases are refused. */
  private static final int MAX_START_FAILURES = 3;

  /** How to run a node daemon. */
  public record Options(
      String host,
      ResourceSet total,
      Address controlAddress,
      String token,
      Path sessionDir,
      Path storeRoot,
      int maxStartupConcurrency,
      Map<String, String> labels,
      long objectStoreBytes) {}

  final class PendingLease {
    final LeaseRequest request;
    final StreamObserver<LeaseReply> reply;
    final ResourceSet resources;
    boolean reserved;
    List<Integer> gpuIds = List.of();
    WorkerProcess dedicated;

    PendingLease(LeaseRequest request, StreamObserver<LeaseReply> reply) {
      this.request = request;
      this.reply = reply;
      this.resources = ResourceSet.fromProto(request.getResources());
    }

    boolean needsDedicatedWorker() {
      return request.getForActor() && request.getJvmOptionsCount() > 0;
    }
  }

  final class Lease {
    final ByteString leaseId;
    final WorkerProcess worker;
    ResourceSet held;
    final List<Integer> gpuIds;
    final boolean forActor;
    final ResourceSet running;
    final ByteString requester;
    boolean blocked;

    Lease(ByteString leaseId, WorkerProcess worker, PendingLease p) {
      this.requester = p.request.getRequesterWorkerId();
      this.leaseId = leaseId;
      this.worker = worker;
      this.held = p.resources;
      this.gpuIds = p.gpuIds;
      this.forActor = p.request.getForActor();
      this.running = ResourceSet.fromProto(p.request.getRunningResources());
    }
  }

  final class WorkerProcess {
    final ByteString workerId;
    final ByteString jobId;
    final List<String> extraJvmOptions;
    Process process;
    int pid;
    Address address;
    Lease lease;
    ByteString actorId;
    String actorName = "";
    boolean killed;
    PendingLease reservedFor;

    WorkerProcess(ByteString workerId, ByteString jobId, List<String> extraJvmOptions) {
      this.workerId = workerId;
      this.jobId = jobId;
      this.extraJvmOptions = extraJvmOptions;
    }
  }

  private final Options options;
  private final ByteString nodeId;
  private final SharedMemoryStore store;
  private final ObjectStoreManager objects;
  private final ChannelPool channels;
  private final ScheduledExecutorService timer;

  /**
   * Blocking work: worker pipes, process exits, control-service calls. Platform threads on purpose:
   * blocking pipe reads pin virtual threads' carriers, and with enough workers every carrier would
   * be pinned.
   */
  private final ExecutorService io =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "glint-node-io");
            t.setDaemon(true);
            return t;
          });

  private final ExecutorService serverExecutor;
  private final Path logDir;
  private final GpuPool gpus;
  private Server server;
  private Address address;

  // Guarded by this.
  private ResourceSet available;
  private final List<PendingLease> pending = new ArrayList<>();
  private final Map<ByteString, Lease> leases = new HashMap<>();
  private final Map<ByteString, WorkerProcess> workers = new LinkedHashMap<>();
  private final Map<ByteString, ArrayDeque<WorkerProcess>> idle = new HashMap<>();
  private final Map<ByteString, JobConfig> jobs = new HashMap<>();
  private final Map<ByteString, Integer> startFailures = new HashMap<>();
  private final Map<ByteString, String> lastStartError = new HashMap<>();
  private final java.util.Set<ByteString> fetchingJobs = new java.util.HashSet<>();
  private boolean closed;

  private final ConcurrentHashMap<ByteString, CopyOnWriteArrayList<StreamObserver<LogBatch>>>
      logSubscribers = new ConcurrentHashMap<>();

  private NodeDaemon(Options options) {
    this.options = options;
    this.nodeId = Ids.random();
    this.available = options.total();
    this.gpus = new GpuPool((int) Math.floor(options.total().get(ResourceSet.GPU)));
    this.logDir = options.sessionDir().resolve("logs");
    this.store =
        SharedMemoryStore.createOwned(
            options
                .storeRoot()
                .resolve(
                    "glint-" + options.sessionDir().getFileName() + "-" + Ids.shortHex(nodeId)));
    this.objects =
        new ObjectStoreManager(
            new ObjectStoreManager.Options(
                store.directory(),
                options.sessionDir().resolve("spill").resolve(Ids.shortHex(nodeId)),
                options.objectStoreBytes()));
    this.channels = new ChannelPool(options.token(), null);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "glint-node-timer");
              t.setDaemon(true);
              return t;
            });
    this.serverExecutor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "glint-node-rpc");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts a daemon and registers it with the control service. */
  public static NodeDaemon start(Options options) {
    NodeDaemon d = new NodeDaemon(options);
    try {
      Files.createDirectories(d.logDir);
      d.server =
          Grpc.startServer(
              options.host(), List.of(new NodeServiceImpl(d)), options.token(), d.serverExecutor);
      d.address =
          Address.newBuilder()
              .setNodeId(d.nodeId)
              .setHost(options.host())
              .setPort(d.server.getPort())
              .build();
      d.control()
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .registerNode(RegisterNodeRequest.newBuilder().setNode(d.nodeInfo()).build());
      d.timer.scheduleWithFixedDelay(d::reportResources, 1, 1, TimeUnit.SECONDS);
      return d;
    } catch (IOException | RuntimeException e) {
      d.close();
      throw new IllegalStateException("Cannot start node daemon: " + e.getMessage(), e);
    }
  }

  public ByteString nodeId() {
    return nodeId;
  }

  public Address address() {
    return address;
  }

  public Path storeDir() {
    return store.directory();
  }

  public Path logDir() {
    return logDir;
  }

  public ResourceSet total() {
    return options.total();
  }

  Options options() {
    return options;
  }

  public synchronized ResourceSet available() {
    return available;
  }

  public synchronized int workerCount() {
    return workers.size();
  }

  public synchronized int idleWorkerCount() {
    return idle.values().stream().mapToInt(ArrayDeque::size).sum();
  }

  /** Process ids of this node's live workers. */
  public synchronized List<Long> workerPids() {
    List<Long> pids = new ArrayList<>();
    for (WorkerProcess w : workers.values()) {
      if (w.process != null && w.process.isAlive()) {
        pids.add(w.process.pid());
      }
    }
    return pids;
  }

  SharedMemoryStore store() {
    return store;
  }

  NodeInfo nodeInfo() {
    return NodeInfo.newBuilder()
        .setNodeId(nodeId)
        .setAddress(address)
        .setTotal(options.total().toProto())
        .setAvailable(available().toProto())
        .setAlive(true)
        .setObjectStoreDir(store.directory().toString())
        .setHostname(options.host())
        .putAllLabels(options.labels())
        .build();
  }

  private ControlServiceGrpc.ControlServiceBlockingStub control() {
    return ControlServiceGrpc.newBlockingStub(channels.get(options.controlAddress()));
  }

  private void reportResources() {
    ResourceSet a = available();
    ControlServiceGrpc.newStub(channels.get(options.controlAddress()))
        .reportNodeResources(
            ReportNodeResourcesRequest.newBuilder()
                .setNodeId(nodeId)
                .setAvailable(a.toProto())
                .build(),
            new StreamObserver<>() {
              @Override
              public void onNext(ReportNodeResourcesReply r) {
                if (!r.getKnown() && !closed) {
                  io.execute(NodeDaemon.this::reregister);
                }
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
  }

  private void reregister() {
    try {
      control()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .registerNode(RegisterNodeRequest.newBuilder().setNode(nodeInfo()).build());
    } catch (StatusRuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "re-registration failed: " + e.getStatus());
    }
  }

  // ------------------------------------------------------------------ leases

  synchronized void requestLease(LeaseRequest req, StreamObserver<LeaseReply> reply) {
    if (closed) {
      reply.onNext(LeaseReply.newBuilder().setRejected("node is shutting down").build());
      reply.onCompleted();
      return;
    }
    Integer failures = startFailures.get(req.getJobId());
    if (failures != null && failures >= MAX_START_FAILURES) {
      reply.onNext(
          LeaseReply.newBuilder()
              .setRejected(
                  "worker failed to start "
                      + failures
                      + " times for this job: "
                      + lastStartError.getOrDefault(req.getJobId(), "unknown error"))
              .build());
      reply.onCompleted();
      return;
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
                + idle.values().stream().mapToInt(ArrayDeque::size).sum());
    dispatch();
  }

  /** Grants what can be granted. Holds the lock. */
  private void dispatch() {
    Iterator<PendingLease> it = pending.iterator();
    while (it.hasNext()) {
      PendingLease p = it.next();
      if (!p.reserved) {
        if (!p.resources.fitsIn(available)) {
          continue;
        }
        List<Integer> g = gpus.allocate(p.resources.get(ResourceSet.GPU));
        if (g == null) {
          continue;
        }
        available = available.minus(p.resources);
        p.gpuIds = g;
        p.reserved = true;
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
    ArrayDeque<WorkerProcess> q = idle.get(job);
    if (q != null && !q.isEmpty()) {
      return q.poll();
    }
    // Start another worker if fewer are starting than leases wait for one.
    long starting =
        workers.values().stream()
            .filter(w -> w.jobId.equals(job) && w.address == null && w.reservedFor == null)
            .count();
    long waiting =
        pending.stream()
            .filter(
                x -> x.reserved && x.request.getJobId().equals(job) && !x.needsDedicatedWorker())
            .count();
    long allStarting = workers.values().stream().filter(w -> w.address == null).count();
    if (starting < waiting && allStarting < options.maxStartupConcurrency()) {
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
    if (!l.blocked) {
      available = available.plus(l.held);
    } else {
      available = available.plus(l.held.minus(l.held.only(ResourceSet.CPU)));
    }
    gpus.release(l.gpuIds, l.held.get(ResourceSet.GPU));
    WorkerProcess w = l.worker;
    w.lease = null;
    if (killWorker || w.killed || w.process == null || !w.process.isAlive()) {
      kill(w);
    } else {
      idle.computeIfAbsent(w.jobId, k -> new ArrayDeque<>()).add(w);
    }
  }

  synchronized boolean cancelLease(ByteString requestId) {
    Iterator<PendingLease> it = pending.iterator();
    while (it.hasNext()) {
      PendingLease p = it.next();
      if (p.request.getLeaseRequestId().equals(requestId)) {
        it.remove();
        unreserve(p);
        try {
          p.reply.onNext(LeaseReply.newBuilder().setRejected("cancelled").build());
          p.reply.onCompleted();
        } catch (RuntimeException ignored) {
          // requester gone
        }
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

  synchronized void workerBlocked(ByteString workerId, boolean blocked) {
    WorkerProcess w = workers.get(workerId);
    if (w == null || w.lease == null || w.lease.blocked == blocked) {
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

  // ------------------------------------------------------------------ workers

  /** Starts a worker for {@code job}; null when the job's config is not known yet. */
  private WorkerProcess startWorker(
      ByteString job, List<String> extraJvmOptions, PendingLease forLease) {
    JobConfig cfg = jobs.get(job);
    if (cfg == null) {
      fetchJobConfig(job);
      return null;
    }
    WorkerProcess w = new WorkerProcess(Ids.random(), job, extraJvmOptions);
    w.reservedFor = forLease;
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    cmd.add("-XX:+UseSerialGC");
    // A worker that crashes natively (e.g. in Python's C code) leaves its report with its logs,
    // not in whatever directory the driver runs in.
    cmd.add("-XX:ErrorFile=" + logDir.resolve("hs_err_pid%p.log"));
    cmd.add("-Dglint.worker=true");
    // Arrow logs through SLF4J; without a provider SLF4J prints a notice in every worker.
    cmd.add("-Dslf4j.internal.verbosity=ERROR");
    cfg.getWorkerPropertiesMap().forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.addAll(cfg.getJvmOptionsList());
    cmd.addAll(extraJvmOptions);
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, cfg.getCodePathList()));
    cmd.add(WORKER_MAIN);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("GLINT_WORKER", "1");
    try {
      Process proc = pb.start();
      w.process = proc;
      w.pid = (int) proc.pid();
      workers.put(w.workerId, w);
      Properties boot = new Properties();
      boot.setProperty("token", options.token());
      boot.setProperty("workerId", Ids.hex(w.workerId));
      boot.setProperty("jobId", Ids.hex(job));
      boot.setProperty("nodeId", Ids.hex(nodeId));
      boot.setProperty("nodeHost", address.getHost());
      boot.setProperty("nodePort", Integer.toString(address.getPort()));
      boot.setProperty("controlHost", options.controlAddress().getHost());
      boot.setProperty("controlPort", Integer.toString(options.controlAddress().getPort()));
      boot.setProperty("storeDir", store.directory().toString());
      boot.setProperty("host", options.host());
      boot.setProperty("namespace", cfg.getNamespace());
      writeBoot(proc, boot); // a few hundred bytes: fits the pipe buffer, never blocks
      pump(w, proc.getInputStream(), false);
      pump(w, proc.getErrorStream(), true);
      proc.onExit().thenRunAsync(() -> onWorkerExit(w), io);
      return w;
    } catch (IOException e) {
      recordStartFailure(job, "cannot run " + cmd.get(0) + ": " + e.getMessage());
      return null;
    }
  }

  private static void writeBoot(Process proc, Properties boot) {
    try (OutputStream out = proc.getOutputStream()) {
      boot.store(out, null);
    } catch (IOException e) {
      // the process died at once; its exit is handled elsewhere
    }
  }

  private void fetchJobConfig(ByteString job) {
    if (!fetchingJobs.add(job)) {
      return;
    }
    io.execute(
        () -> {
          JobConfig cfg = null;
          try {
            GetJobConfigReply r =
                control()
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getJobConfig(GetJobConfigRequest.newBuilder().setJobId(job).build());
            if (r.hasConfig()) {
              cfg = r.getConfig();
            }
          } catch (StatusRuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot fetch job config: " + e.getStatus());
          }
          synchronized (this) {
            fetchingJobs.remove(job);
            if (cfg != null) {
              jobs.put(job, cfg);
            } else {
              recordStartFailure(job, "the control service does not know job " + Ids.hex(job));
            }
            dispatch();
          }
        });
  }

  synchronized void registerJob(JobConfig cfg) {
    jobs.put(cfg.getJobId(), cfg);
  }

  synchronized void prestart(ByteString job, int count) {
    if (!jobs.containsKey(job)) {
      fetchJobConfig(job);
      timer.schedule(() -> prestart(job, count), 100, TimeUnit.MILLISECONDS);
      return;
    }
    long have = workers.values().stream().filter(w -> w.jobId.equals(job)).count();
    for (long i = have; i < count; i++) {
      startWorker(job, List.of(), null);
    }
  }

  synchronized RegisterWorkerReply registerWorker(RegisterWorkerRequest req) {
    WorkerProcess w = workers.get(req.getWorkerId());
    if (w == null) {
      throw new IllegalStateException("unknown worker " + Ids.shortHex(req.getWorkerId()));
    }
    w.address = req.getAddress();
    startFailures.remove(w.jobId);
    if (w.reservedFor == null) {
      idle.computeIfAbsent(w.jobId, k -> new ArrayDeque<>()).add(w);
    }
    dispatch();
    return RegisterWorkerReply.newBuilder()
        .setNodeId(nodeId)
        .setObjectStoreDir(store.directory().toString())
        .setControlServiceAddress(options.controlAddress())
        .build();
  }

  private void onWorkerExit(WorkerProcess w) {
    int code = w.process.exitValue();
    boolean intentional;
    ByteString actorId;
    synchronized (this) {
      intentional = w.killed || closed;
      workers.remove(w.workerId);
      ArrayDeque<WorkerProcess> q = idle.get(w.jobId);
      if (q != null) {
        q.remove(w);
      }
      if (w.lease != null) {
        Lease l = w.lease;
        w.killed = true;
        releaseLease(l, true);
      }
      if (w.address == null && !intentional) {
        recordStartFailure(
            w.jobId,
            "worker process (pid "
                + w.pid
                + ") exited with code "
                + code
                + " before registering; see "
                + logDir.resolve("worker-" + w.pid + ".err"));
      }
      for (PendingLease p : pending) {
        if (p.dedicated == w) {
          p.dedicated = null;
        }
      }
      actorId = w.actorId;
      if (!closed) {
        releaseLeasesHeldBy(w.workerId);
        releaseObjectsOf(w.workerId);
        dispatch();
      }
    }
    if (closed) {
      return;
    }
    ReportWorkerDeathRequest.Builder r =
        ReportWorkerDeathRequest.newBuilder()
            .setNodeId(nodeId)
            .setWorkerId(w.workerId)
            .setExitCode(code)
            .setIntentional(intentional)
            .setReason(
                intentional
                    ? "killed"
                    : "the worker process (pid " + w.pid + ") exited with code " + code);
    if (actorId != null) {
      r.setActorId(actorId);
    }
    ControlServiceGrpc.newStub(channels.get(options.controlAddress()))
        .reportWorkerDeath(r.build(), Rpc.ignore());
  }

  /**
   * Holds the lock. A process that died cannot return its leases: take them back (their workers go
   * back to the pool) and drop its pending requests.
   */
  private void releaseLeasesHeldBy(ByteString requester) {
    if (requester.isEmpty()) {
      return;
    }
    for (Lease l : new ArrayList<>(leases.values())) {
      if (requester.equals(l.requester)) {
        releaseLease(l, l.forActor);
      }
    }
    Iterator<PendingLease> it = pending.iterator();
    while (it.hasNext()) {
      PendingLease p = it.next();
      if (requester.equals(p.request.getRequesterWorkerId())) {
        it.remove();
        unreserve(p);
      }
    }
  }

  /** Holds the lock. Gives back what a dropped lease request had reserved. */
  private void unreserve(PendingLease p) {
    if (p.reserved) {
      available = available.plus(p.resources);
      gpus.release(p.gpuIds, p.resources.get(ResourceSet.GPU));
      p.reserved = false;
    }
    if (p.dedicated != null) {
      kill(p.dedicated);
      p.dedicated = null;
    }
  }

  /** Holds the lock. */
  private void recordStartFailure(ByteString job, String error) {
    int n = startFailures.merge(job, 1, Integer::sum);
    lastStartError.put(job, error);
    LOG.log(System.Logger.Level.WARNING, "Glint worker failed to start: " + error);
    if (n >= MAX_START_FAILURES) {
      Iterator<PendingLease> it = pending.iterator();
      while (it.hasNext()) {
        PendingLease p = it.next();
        if (p.request.getJobId().equals(job)) {
          it.remove();
          unreserve(p);
          try {
            p.reply.onNext(
                LeaseReply.newBuilder()
                    .setRejected("worker failed to start " + n + " times for this job: " + error)
                    .build());
            p.reply.onCompleted();
          } catch (RuntimeException ignored) {
            // gone
          }
        }
      }
    }
  }

  /** Holds the lock. Ends a worker process. */
  private void kill(WorkerProcess w) {
    w.killed = true;
    if (w.process != null && w.process.isAlive()) {
      w.process.destroyForcibly();
    }
  }

  synchronized boolean killWorker(ByteString workerId) {
    WorkerProcess w = workers.get(workerId);
    if (w == null) {
      return false;
    }
    kill(w);
    return true;
  }

  synchronized void killJobWorkers(ByteString job) {
    for (WorkerProcess w : workers.values()) {
      if (w.jobId.equals(job)) {
        kill(w);
      }
    }
    JobConfig cfg = jobs.remove(job);
    if (cfg != null && cfg.hasDriverAddress()) {
      // The job's driver is gone: nobody can free or read the objects it owned any more.
      releaseObjectsOf(cfg.getDriverAddress().getWorkerId());
    }
  }

  // ------------------------------------------------------------------ object store

  /** A create waiting for room. */
  private record PendingCreate(
      CreateObjectRequest request, StreamObserver<CreateObjectReply> reply, long deadlineNanos) {}

  private final List<PendingCreate> pendingCreates = new ArrayList<>();
  private final Map<ByteString, List<ByteString>> pinsByWorker = new HashMap<>();
  private final Map<ByteString, ByteString> creatingBy = new HashMap<>();
  private static final long DEFAULT_CREATE_TIMEOUT_MS = 60_000;

  synchronized void createObject(CreateObjectRequest req, StreamObserver<CreateObjectReply> reply) {
    long timeout = req.getTimeoutMs() > 0 ? req.getTimeoutMs() : DEFAULT_CREATE_TIMEOUT_MS;
    PendingCreate p = new PendingCreate(req, reply, System.nanoTime() + timeout * 1_000_000);
    if (!tryCreate(p)) {
      pendingCreates.add(p);
      timer.schedule(this::expireCreates, timeout, TimeUnit.MILLISECONDS);
    }
  }

  /** Holds the lock. Returns false when the create must wait. */
  private boolean tryCreate(PendingCreate p) {
    CreateObjectReply.Builder r = CreateObjectReply.newBuilder();
    try {
      ObjectStoreManager.CreateResult res =
          objects.tryCreate(
              p.request().getObjectId().toByteArray(),
              p.request().getSizeBytes(),
              p.request().getOwner().toByteArray());
      switch (res) {
        case ObjectStoreManager.CreateResult.Ready ready -> {
          r.setPath(ready.path().toString());
          if (ready.arenaOffset() >= 0) {
            r.setArenaOffset(ready.arenaOffset());
          }
          creatingBy.put(p.request().getObjectId(), p.request().getOwner().getWorkerId());
        }
        case ObjectStoreManager.CreateResult.TooLarge t -> r.setError(t.why()).setTooLarge(true);
        case ObjectStoreManager.CreateResult.Wait w -> {
          return false;
        }
      }
    } catch (RuntimeException e) {
      r.setError("cannot create object: " + e.getMessage());
    }
    r.setUsedFraction((double) objects.usedBytes() / Math.max(1, objects.capacityBytes()))
        .setCapacityBytes(objects.capacityBytes())
        .setReusableBytes(objects.recycledBytes());
    reply(p.reply(), r.build());
    return true;
  }

  /** Holds the lock: room may have come. */
  private void retryCreates() {
    java.util.Iterator<PendingCreate> it = pendingCreates.iterator();
    while (it.hasNext()) {
      if (tryCreate(it.next())) {
        it.remove();
      } else {
        return; // keep creates in order
      }
    }
  }

  private synchronized void expireCreates() {
    long now = System.nanoTime();
    java.util.Iterator<PendingCreate> it = pendingCreates.iterator();
    while (it.hasNext()) {
      PendingCreate p = it.next();
      if (now >= p.deadlineNanos()) {
        it.remove();
        reply(
            p.reply(),
            CreateObjectReply.newBuilder()
                .setError(
                    "the object store stayed full for the whole wait: "
                        + p.request().getSizeBytes()
                        + " bytes wanted, "
                        + objects.usedBytes()
                        + " of "
                        + objects.capacityBytes()
                        + " bytes in use by objects that running tasks hold or that are being"
                        + " written")
                .build());
      }
    }
  }

  private static <T> void reply(StreamObserver<T> obs, T value) {
    try {
      obs.onNext(value);
      obs.onCompleted();
    } catch (RuntimeException ignored) {
      // the caller went away
    }
  }

  synchronized void sealObject(ByteString objectId) {
    objects.seal(objectId.toByteArray());
    creatingBy.remove(objectId);
  }

  synchronized List<ByteString> pinObjects(ByteString workerId, List<ByteString> ids) {
    List<byte[]> raw = ids.stream().map(ByteString::toByteArray).toList();
    List<ByteString> missing = objects.pin(raw).stream().map(ByteString::copyFrom).toList();
    List<ByteString> held = pinsByWorker.computeIfAbsent(workerId, k -> new ArrayList<>());
    for (ByteString id : ids) {
      if (!missing.contains(id)) {
        held.add(id);
      }
    }
    return missing;
  }

  synchronized void unpinObjects(ByteString workerId, List<ByteString> ids) {
    objects.unpin(ids.stream().map(ByteString::toByteArray).toList());
    List<ByteString> held = pinsByWorker.get(workerId);
    if (held != null) {
      ids.forEach(held::remove);
    }
    retryCreates();
  }

  synchronized void freeObjects(List<ByteString> ids) {
    for (ByteString id : ids) {
      objects.delete(id.toByteArray());
      creatingBy.remove(id);
    }
    retryCreates();
  }

  /** Holds the lock: a dead worker's pins, unfinished objects and owned objects go away. */
  private void releaseObjectsOf(ByteString workerId) {
    List<ByteString> held = pinsByWorker.remove(workerId);
    if (held != null) {
      objects.unpin(held.stream().map(ByteString::toByteArray).toList());
    }
    java.util.Iterator<Map.Entry<ByteString, ByteString>> it = creatingBy.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<ByteString, ByteString> e = it.next();
      if (e.getValue().equals(workerId)) {
        objects.delete(e.getKey().toByteArray());
        it.remove();
      }
    }
    for (ObjectStoreManager.Entry en : objects.entries()) {
      try {
        Address owner = Address.parseFrom(en.owner());
        if (owner.getWorkerId().equals(workerId)) {
          // The owner died: nobody can free or ask for its objects any more.
          objects.delete(java.util.HexFormat.of().parseHex(en.name()));
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
        // not an address: leave it
      }
    }
    retryCreates();
  }

  synchronized ObjectStoreStats storeStats(boolean includeObjects) {
    ObjectStoreStats.Builder b =
        ObjectStoreStats.newBuilder()
            .setNodeId(nodeId)
            .setCapacityBytes(objects.capacityBytes())
            .setUsedBytes(objects.usedBytes())
            .setPeakUsedBytes(objects.peakUsedBytes())
            .setObjectCount(objects.objectCount())
            .setSpilledObjects(objects.spilledObjects())
            .setSpilledBytesTotal(objects.spilledBytesTotal())
            .setRestoredBytesTotal(objects.restoredBytesTotal())
            .setEvictionsTotal(objects.evictionsTotal())
            .setObjectsCreatedTotal(objects.createdTotal())
            .setRecycledBytes(objects.recycledBytes());
    if (includeObjects) {
      for (ObjectStoreManager.Entry en : objects.entries()) {
        StoredObjectInfo.Builder o =
            StoredObjectInfo.newBuilder()
                .setObjectId(ByteString.copyFrom(java.util.HexFormat.of().parseHex(en.name())))
                .setSizeBytes(en.sizeBytes())
                .setPinned(en.pinned())
                .setSpilled(en.state() == ObjectStoreManager.State.SPILLED)
                .setSealed(en.state() != ObjectStoreManager.State.CREATING);
        try {
          o.setOwner(Address.parseFrom(en.owner()));
        } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
          // unknown owner
        }
        b.addObjects(o);
      }
    }
    return b.build();
  }

  // ------------------------------------------------------------------ logs

  private void pump(WorkerProcess w, InputStream in, boolean stderr) {
    io.execute(
        () -> {
          Path file = logDir.resolve("worker-" + w.pid + (stderr ? ".err" : ".out"));
          try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
              BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
              out.write(line);
              out.newLine();
              out.flush();
              publish(w, stderr, line);
            }
          } catch (IOException e) {
            // the process is gone
          }
        });
  }

  private void publish(WorkerProcess w, boolean stderr, String line) {
    List<StreamObserver<LogBatch>> subs = logSubscribers.get(w.jobId);
    if (subs == null || subs.isEmpty()) {
      return;
    }
    LogBatch batch =
        LogBatch.newBuilder()
            .addLines(
                LogLine.newBuilder()
                    .setPid(w.pid)
                    .setStderr(stderr)
                    .setLine(line)
                    .setActorName(w.actorName))
            .build();
    for (StreamObserver<LogBatch> s : subs) {
      synchronized (s) {
        try {
          s.onNext(batch);
        } catch (RuntimeException e) {
          subs.remove(s);
        }
      }
    }
  }

  void subscribeLogs(ByteString job, StreamObserver<LogBatch> obs) {
    CopyOnWriteArrayList<StreamObserver<LogBatch>> subs =
        logSubscribers.computeIfAbsent(job, k -> new CopyOnWriteArrayList<>());
    subs.add(obs);
    if (obs instanceof ServerCallStreamObserver<LogBatch> sc) {
      sc.setOnCancelHandler(() -> subs.remove(obs));
    }
  }

  /** Stops the daemon: kills its workers, deletes its store. */
  @Override
  public void close() {
    List<Process> procs = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      for (WorkerProcess w : workers.values()) {
        w.killed = true;
        if (w.process != null) {
          procs.add(w.process);
        }
      }
      for (PendingLease p : pending) {
        try {
          p.reply.onNext(LeaseReply.newBuilder().setRejected("node is shutting down").build());
          p.reply.onCompleted();
        } catch (RuntimeException ignored) {
          // gone
        }
      }
      pending.clear();
    }
    for (Process p : procs) {
      p.destroyForcibly();
    }
    for (Process p : procs) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (var subs : logSubscribers.values()) {
      for (StreamObserver<LogBatch> s : subs) {
        synchronized (s) {
          try {
            s.onCompleted();
          } catch (RuntimeException ignored) {
            // gone
          }
        }
      }
    }
    logSubscribers.clear();
    if (address != null) {
      try {
        control()
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .unregisterNode(UnregisterNodeRequest.newBuilder().setNodeId(nodeId).build());
      } catch (StatusRuntimeException ignored) {
        // the control service may be gone already
      }
    }
    timer.shutdownNow();
    Grpc.shutdown(server);
    channels.close();
    serverExecutor.shutdownNow();
    io.shutdownNow();
    synchronized (this) {
      for (PendingCreate p : pendingCreates) {
        reply(p.reply(), CreateObjectReply.newBuilder().setError("node is shutting down").build());
      }
      pendingCreates.clear();
      objects.close();
    }
    store.close();
  }

  /** GPU indices with fractional sharing: whole GPUs for quantities >= 1, else a shared one. */
  static final class GpuPool {
    private static final long UNIT = 10_000;
    private final long[] free;

    GpuPool(int count) {
      free = new long[count];
      java.util.Arrays.fill(free, UNIT);
    }

    /** Indices for {@code quantity} GPUs, or null when they are not free. */
    List<Integer> allocate(double quantity) {
      if (quantity <= 0 || free.length == 0) {
        return quantity <= 0 ? List.of() : null;
      }
      long q = Math.round(quantity * UNIT);
      List<Integer> ids = new ArrayList<>();
      if (q >= UNIT) {
        long whole = q / UNIT;
        for (int i = 0; i < free.length && ids.size() < whole; i++) {
          if (free[i] == UNIT) {
            ids.add(i);
          }
        }
        if (ids.size() < whole) {
          return null;
        }
        ids.forEach(i -> free[i] = 0);
        return ids;
      }
      for (int i = 0; i < free.length; i++) {
        if (free[i] >= q) {
          free[i] -= q;
          return List.of(i);
        }
      }
      return null;
    }

    void release(List<Integer> ids, double quantity) {
      if (ids.isEmpty()) {
        return;
      }
      long q = Math.round(quantity * UNIT);
      if (q >= UNIT) {
        ids.forEach(i -> free[i] = UNIT);
      } else {
        free[ids.get(0)] += q;
      }
    }
  }

  @Override
  public String toString() {
    return "NodeDaemon("
        + Ids.shortHex(nodeId)
        + " @ "
        + address.getHost()
        + ":"
        + address.getPort()
        + ")";
  }
}
