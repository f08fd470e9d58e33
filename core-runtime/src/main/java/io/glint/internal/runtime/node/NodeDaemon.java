package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.ReportNodeResourcesRequest;
import io.glint.internal.proto.ReportWorkerDeathRequest;
import io.glint.internal.proto.ResourceDemand;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node daemon: one per machine. A thin facade over its parts: the {@link LeaseScheduler}
 * (resources, leases, and the {@link WorkerPool} of worker processes), the {@link NodeObjectStore}
 * (the node's shared-memory object store) and {@link WorkerLogs} (worker output to files and to
 * drivers). It registers with the control service, reports its resources every second, and tells
 * the control service when a worker dies.
 */
public final class NodeDaemon implements AutoCloseable {
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
      long objectStoreBytes,
      String name,
      int metricsPort) {
    /** As the embedded cluster makes them: named after their address once they listen. */
    public Options(
        String host,
        ResourceSet total,
        Address controlAddress,
        String token,
        Path sessionDir,
        Path storeRoot,
        int maxStartupConcurrency,
        Map<String, String> labels,
        long objectStoreBytes) {
      this(
          host,
          total,
          controlAddress,
          token,
          sessionDir,
          storeRoot,
          maxStartupConcurrency,
          labels,
          objectStoreBytes,
          "",
          0);
    }
  }

  private final Options options;
  private final ByteString nodeId;
  private final ChannelPool channels;
  private ControlLink control;
  private final ScheduledExecutorService timer;
  private final MemoryMonitor memory;

  /**
   * Blocking work: worker pipes, process exits, control-service calls. Platform threads on purpose:
   * blocking pipe reads pin virtual threads' carriers, and with enough workers every carrier would
   * be pinned.
   */
  private final ExecutorService io = daemonPool("glint-node-io");

  private final ExecutorService serverExecutor = daemonPool("glint-node-rpc");
  private final Path logDir;
  private final WorkerLogs logs;
  private final NodeObjectStore objects;
  private final LeaseScheduler scheduler;
  private final ObjectTransfer transfer;
  private Server server;
  private volatile Address address;
  private volatile boolean closed;

  private NodeDaemon(Options options) {
    this.options = options;
    this.nodeId = Ids.random();
    this.logDir = options.sessionDir().resolve("logs");
    this.channels = new ChannelPool(options.token(), null);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "glint-node-timer");
              t.setDaemon(true);
              return t;
            });
    this.objects =
        new NodeObjectStore(
            options
                .storeRoot()
                .resolve(
                    "glint-" + options.sessionDir().getFileName() + "-" + Ids.shortHex(nodeId)),
            options.sessionDir().resolve("spill").resolve(Ids.shortHex(nodeId)),
            options.objectStoreBytes(),
            timer);
    this.logs = new WorkerLogs(logDir, io);
    this.transfer = new ObjectTransfer(nodeId, objects, channels, io);
    WorkerPool pool =
        new WorkerPool(
            new WorkerPool.Boot(
                options.token(),
                nodeId,
                () -> address,
                options.controlAddress(),
                objects.directory(),
                options.host(),
                logDir),
            io,
            logs,
            () -> ControlServiceGrpc.newBlockingStub(channels.get(options.controlAddress())),
            new PackageCache(options.sessionDir().resolve("packages"), channels));
    this.scheduler =
        new LeaseScheduler(
            nodeId, options.total(), options.maxStartupConcurrency(), pool, this::onWorkerExit);
    this.memory = new MemoryMonitor(scheduler, MemoryMonitor.Settings.fromEnvironment(), timer);
  }

  private static ExecutorService daemonPool(String name) {
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, name);
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
      d.control =
          new ControlLink(d.channels, options.controlAddress(), d.scheduler, d::nodeInfo, d.io);
      d.control.register();
      d.timer.scheduleWithFixedDelay(d::reportResources, 1, 1, TimeUnit.SECONDS);
      d.timer.scheduleWithFixedDelay(d::warnIfStuck, 10, 10, TimeUnit.SECONDS);
      d.timer.scheduleWithFixedDelay(d.scheduler::dispatchCapped, 100, 100, TimeUnit.MILLISECONDS);
      return d;
    } catch (IOException | RuntimeException e) {
      d.close();
      throw new IllegalStateException("Cannot start node daemon: " + e.getMessage(), e);
    }
  }

  public ByteString nodeId() {
    return nodeId;
  }

  /** The node's name for people: {@code --node-name}, else {@code host:port}. */
  public String name() {
    if (!options.name().isEmpty()) {
      return options.name();
    }
    Address a = address;
    return a == null ? options.host() : a.getHost() + ":" + a.getPort();
  }

  public Address address() {
    return address;
  }

  public Path storeDir() {
    return objects.directory();
  }

  public Path logDir() {
    return logDir;
  }

  /** The node's resources (with the committed bundles of placement groups). */
  public ResourceSet total() {
    return scheduler.total();
  }

  Options options() {
    return options;
  }

  public ResourceSet available() {
    return scheduler.available();
  }

  public int workerCount() {
    return scheduler.workerCount();
  }

  public int idleWorkerCount() {
    return scheduler.idleWorkerCount();
  }

  /** Process ids of this node's live workers. */
  public List<Long> workerPids() {
    return scheduler.workerPids();
  }

  LeaseScheduler scheduler() {
    return scheduler;
  }

  MemoryMonitor memory() {
    return memory;
  }

  NodeObjectStore objects() {
    return objects;
  }

  WorkerLogs logs() {
    return logs;
  }

  ObjectTransfer transfer() {
    return transfer;
  }

  /** The store's stats, with this node's transfers. */
  io.glint.internal.proto.ObjectStoreStats storeStats(boolean includeObjects) {
    return objects.stats(nodeId, includeObjects).toBuilder()
        .addAllPeers(transfer.peerStats())
        .setBytesSentTotal(transfer.sentTotal())
        .setBytesReceivedTotal(transfer.receivedTotal())
        .setPullsTotal(transfer.pullsTotal())
        .setPullsDeduplicatedTotal(transfer.pullsDeduplicated())
        .setDaemonHeapUsedBytes(heapUsed())
        .setDaemonHeapPeakBytes(heapPeak())
        .build();
  }

  private static long heapUsed() {
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The sum of the heap pools' peaks (an upper bound of the heap ever in use at once). */
  private static long heapPeak() {
    long peak = 0;
    for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  NodeInfo nodeInfo() {
    return NodeInfo.newBuilder()
        .setNodeId(nodeId)
        .setAddress(address)
        .setTotal(scheduler.total().toProto())
        .setAvailable(available().toProto())
        .setAlive(true)
        .setObjectStoreDir(objects.directory().toString())
        .setHostname(options.host())
        .putAllLabels(options.labels())
        .setNodeName(name())
        .setObjectStoreCapacity(options.objectStoreBytes())
        .setObjectStoreUsed(objects.usedBytes())
        .setMetricsPort(options.metricsPort())
        .build();
  }

  private void reportResources() {
    ReportNodeResourcesRequest.Builder req =
        ReportNodeResourcesRequest.newBuilder()
            .setNodeId(nodeId)
            .setAvailable(available().toProto())
            .setTotal(scheduler.total().toProto())
            .setObjectStoreUsed(objects.usedBytes());
    scheduler
        .pendingDemand()
        .forEach(
            (shape, count) ->
                req.addDemand(
                    ResourceDemand.newBuilder().setShape(shape.toProto()).setCount(count)));
    control.report(req);
  }

  private long lastStuckWarning;

  /** Says in the log what holds the node's resources when requests have waited long. */
  private void warnIfStuck() {
    String s = scheduler.describeIfStuck(30_000);
    long now = System.nanoTime();
    if (s != null && now - lastStuckWarning > TimeUnit.SECONDS.toNanos(60)) {
      lastStuckWarning = now;
      System.getLogger(NodeDaemon.class.getName()).log(System.Logger.Level.INFO, s);
    }
  }

  void prestart(ByteString job, int count) {
    scheduler.prestart(
        job, count, () -> timer.schedule(() -> prestart(job, count), 100, TimeUnit.MILLISECONDS));
  }

  /** A finished job: its workers end, and the objects its driver owned go. */
  void killJobWorkers(ByteString job) {
    JobConfig cfg = scheduler.killJobWorkers(job);
    if (cfg != null && cfg.hasDriverAddress()) {
      objects.releaseObjectsOf(cfg.getDriverAddress().getWorkerId());
    }
  }

  /** A worker process ended (off every lock): its objects, then the control service. */
  private void onWorkerExit(LeaseScheduler.Exit exit) {
    WorkerProcess w = exit.worker();
    objects.releaseObjectsOf(w.workerId);
    ReportWorkerDeathRequest.Builder r =
        ReportWorkerDeathRequest.newBuilder()
            .setNodeId(nodeId)
            .setWorkerId(w.workerId)
            .setExitCode(exit.exitCode())
            .setIntentional(exit.intentional())
            .setReason(
                memory.exitCause(w.workerId) != null
                    ? "OutOfMemoryError: " + memory.exitCause(w.workerId)
                    : exit.intentional()
                        ? "killed"
                        : "the worker process (pid "
                            + w.pid
                            + ") exited with code "
                            + exit.exitCode());
    if (exit.actorId() != null) {
      r.setActorId(exit.actorId());
    }
    control.workerDied(r.build());
  }

  /** Stops the daemon: kills its workers, deletes its store. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Process> procs = scheduler.shutdown();
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
    logs.close();
    if (control != null) {
      control.unregister(nodeId);
    }
    memory.close();
    timer.shutdownNow();
    Grpc.shutdown(server);
    channels.close();
    serverExecutor.shutdownNow();
    io.shutdownNow();
    objects.close();
  }

  @Override
  public String toString() {
    return "NodeDaemon("
        + Ids.shortHex(nodeId)
        + " @ "
        + (address == null ? "?" : address.getHost() + ":" + address.getPort())
        + ")";
  }
}
