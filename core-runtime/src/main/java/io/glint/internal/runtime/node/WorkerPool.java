package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.GetJobConfigReply;
import io.glint.internal.proto.GetJobConfigRequest;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.runtime.common.Ids;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's worker processes: starting them for a job (its class path, JVM flags and Python
 * settings come from the job's config at the control service), their registration, the idle ones
 * per job, and their ends.
 *
 * <p>Confined to the {@link LeaseScheduler}'s lock, like Ray's worker pool on the raylet's event
 * loop: every method is called with it held. What happens off that lock (a job's config arriving, a
 * process exiting) is handed back to the scheduler through {@link Events}.
 */
final class WorkerPool {
  private static final System.Logger LOG = System.getLogger(WorkerPool.class.getName());
  private static final String WORKER_MAIN = "io.glint.internal.runtime.worker.WorkerMain";

  /** Consecutive failed starts of a job's workers after which its leases are refused. */
  static final int MAX_START_FAILURES = 3;

  /** What the pool reports to the scheduler, from other threads and without holding its lock. */
  interface Events {
    /** The job's config (null when it could not be had, and why). */
    void jobConfigFetched(ByteString job, JobConfig configOrNull, String whyNot);

    void workerExited(WorkerProcess w);
  }

  /** What a worker needs to find its node, its control service and its store. */
  record Boot(
      String token,
      ByteString nodeId,
      Supplier<Address> nodeAddress,
      Address controlAddress,
      Path storeDir,
      String host,
      Path logDir) {}

  private final Boot boot;
  private final Executor io;
  private final WorkerLogs logs;
  private final Supplier<ControlServiceGrpc.ControlServiceBlockingStub> control;
  private final PackageCache packages;
  private final WorkerAotCache aot;
  private final WorkerJarBundles jarBundles;
  private Events events;

  private final Map<ByteString, WorkerProcess> workers = new LinkedHashMap<>();
  private final Map<ByteString, ArrayDeque<WorkerProcess>> idle = new HashMap<>();
  private final Map<ByteString, JobConfig> jobs = new HashMap<>();
  private final Map<ByteString, Integer> startFailures = new HashMap<>();
  private final Map<ByteString, String> lastStartError = new HashMap<>();
  private final Set<ByteString> fetchingJobs = new HashSet<>();

  WorkerPool(
      Boot boot,
      Executor io,
      WorkerLogs logs,
      Supplier<ControlServiceGrpc.ControlServiceBlockingStub> control,
      PackageCache packages) {
    this.boot = boot;
    this.io = io;
    this.logs = logs;
    this.control = control;
    this.packages = packages;
    Path aotDir = WorkerAotCache.configuredDir(System.getenv(), System.getProperties());
    this.aot = new WorkerAotCache(aotDir, boot.logDir(), io);
    this.jarBundles =
        new WorkerJarBundles(
            WorkerJarBundles.configuredDir(aotDir, System.getenv(), System.getProperties()), io);
  }

  void setEvents(Events events) {
    this.events = events;
  }

  /** One line per worker process: pid, state, alive, for diagnostics. */
  String describe() {
    StringBuilder sb = new StringBuilder();
    for (WorkerProcess w : workers.values()) {
      sb.append("\n  worker pid ")
          .append(w.pid)
          .append(
              w.address == null
                  ? " starting" + (w.reservedFor != null ? " (dedicated)" : "")
                  : w.lease != null ? " leased" : " idle")
          .append(w.alive() ? "" : " (exited)")
          .append(w.killed ? " (killed)" : "");
    }
    sb.append("\n  starting: ").append(startingTotal());
    return sb.toString();
  }

  int size() {
    return workers.size();
  }

  int idleCount() {
    return idle.values().stream().mapToInt(ArrayDeque::size).sum();
  }

  WorkerProcess get(ByteString workerId) {
    return workers.get(workerId);
  }

  List<WorkerProcess> all() {
    return new ArrayList<>(workers.values());
  }

  List<Long> livePids() {
    List<Long> pids = new ArrayList<>();
    for (WorkerProcess w : workers.values()) {
      if (w.alive()) {
        pids.add(w.process.pid());
      }
    }
    return pids;
  }

  /**
   * An idle worker of {@code job}, or null: the one idle for the shortest time (as Ray's pool), so
   * that a burst of short leases keeps to a few workers whose JIT has compiled the task path, not a
   * round of every idle process.
   */
  WorkerProcess takeIdle(ByteString job) {
    ArrayDeque<WorkerProcess> q = idle.get(job);
    return q == null ? null : q.pollLast();
  }

  void makeIdle(WorkerProcess w) {
    idle.computeIfAbsent(w.jobId, k -> new ArrayDeque<>()).add(w);
  }

  /** Workers of {@code job} started but not yet registered, not reserved for a lease. */
  long startingFor(ByteString job) {
    return workers.values().stream()
        .filter(w -> w.jobId.equals(job) && w.address == null && w.reservedFor == null)
        .count();
  }

  /** Workers of any job started but not yet registered. */
  long startingTotal() {
    return workers.values().stream().filter(w -> w.address == null).count();
  }

  /** Failed starts of {@code job}'s workers in a row, and the last error. */
  int startFailures(ByteString job) {
    return startFailures.getOrDefault(job, 0);
  }

  String lastStartError(ByteString job) {
    return lastStartError.getOrDefault(job, "unknown error");
  }

  /** Records a failed start; returns how many in a row. */
  int recordStartFailure(ByteString job, String error) {
    int n = startFailures.merge(job, 1, Integer::sum);
    lastStartError.put(job, error);
    LOG.log(System.Logger.Level.WARNING, "Glint worker failed to start: " + error);
    return n;
  }

  boolean knowsJob(ByteString job) {
    return jobs.containsKey(job);
  }

  JobConfig removeJob(ByteString job) {
    return jobs.remove(job);
  }

  void jobConfigArrived(ByteString job, JobConfig cfg) {
    fetchingJobs.remove(job);
    if (cfg != null) {
      jobs.put(job, cfg);
    }
  }

  long countForJob(ByteString job) {
    return workers.values().stream().filter(w -> w.jobId.equals(job)).count();
  }

  /**
   * Starts a worker for {@code job}; null when the job's config is not known yet (it is being
   * fetched). Throws {@link StartFailure} when the process cannot be started.
   */
  WorkerProcess start(
      ByteString job, List<String> extraJvmOptions, LeaseScheduler.PendingLease forLease) {
    JobConfig cfg = jobs.get(job);
    if (cfg == null) {
      fetchJobConfig(job);
      return null;
    }
    WorkerProcess w = new WorkerProcess(Ids.random(), job, extraJvmOptions);
    w.reservedFor = forLease;
    List<String> cmd = command(cfg, extraJvmOptions);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("GLINT_WORKER", "1");
    try {
      Process proc = pb.start();
      w.process = proc;
      w.pid = (int) proc.pid();
      w.errLog = boot.logDir().resolve("worker-" + w.pid + ".err");
      workers.put(w.workerId, w);
      writeBoot(proc, bootProperties(w, cfg)); // a few hundred bytes: fits the pipe buffer
      logs.pump(w.pid, job, () -> w.actorName, proc.getInputStream(), false);
      logs.pump(w.pid, job, () -> w.actorName, proc.getErrorStream(), true);
      proc.onExit().thenRunAsync(() -> events.workerExited(w), io);
      return w;
    } catch (IOException e) {
      throw new StartFailure("cannot run " + cmd.get(0) + ": " + e.getMessage());
    }
  }

  /** A worker process could not be started at all. */
  static final class StartFailure extends RuntimeException {
    StartFailure(String message) {
      super(message);
    }
  }

  private List<String> command(JobConfig cfg, List<String> extraJvmOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    cmd.add("-XX:+UseSerialGC");
    // A worker that crashes natively (e.g. in Python's C code) leaves its report with its logs,
    // not in whatever directory the driver runs in.
    cmd.add("-XX:ErrorFile=" + boot.logDir().resolve("hs_err_pid%p.log"));
    cmd.add("-Dglint.worker=true");
    // Arrow logs through SLF4J; without a provider SLF4J prints a notice in every worker.
    cmd.add("-Dslf4j.internal.verbosity=ERROR");
    cfg.getWorkerPropertiesMap().forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.addAll(cfg.getJvmOptionsList());
    cmd.addAll(extraJvmOptions);
    WorkerAotCache.Plan plan =
        aot.plan(List.copyOf(cmd), jarBundles.classPath(cfg.getCodePathList()), WORKER_MAIN);
    cmd.addAll(plan.options());
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, plan.classPath()));
    cmd.add(WORKER_MAIN);
    return cmd;
  }

  private Properties bootProperties(WorkerProcess w, JobConfig cfg) {
    Address node = boot.nodeAddress().get();
    Properties p = new Properties();
    p.setProperty("token", boot.token());
    p.setProperty("workerId", Ids.hex(w.workerId));
    p.setProperty("jobId", Ids.hex(w.jobId));
    p.setProperty("nodeId", Ids.hex(boot.nodeId()));
    p.setProperty("nodeHost", node.getHost());
    p.setProperty("nodePort", Integer.toString(node.getPort()));
    p.setProperty("controlHost", boot.controlAddress().getHost());
    p.setProperty("controlPort", Integer.toString(boot.controlAddress().getPort()));
    p.setProperty("storeDir", boot.storeDir().toString());
    p.setProperty("host", boot.host());
    p.setProperty("namespace", cfg.getNamespace());
    return p;
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
          String why = null;
          try {
            GetJobConfigReply r =
                control
                    .get()
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getJobConfig(GetJobConfigRequest.newBuilder().setJobId(job).build());
            if (r.hasConfig()) {
              // The job's code, as files on this node (fetched from the driver when needed).
              cfg = packages.resolve(r.getConfig());
            }
          } catch (StatusRuntimeException e) {
            why = "cannot fetch the job's config: " + e.getStatus();
          } catch (java.io.IOException | RuntimeException e) {
            why = "cannot get the job's code: " + e.getMessage();
          }
          if (why != null) {
            LOG.log(System.Logger.Level.WARNING, why);
          }
          events.jobConfigFetched(job, cfg, why);
        });
  }

  /** A worker registered: its server is up. Null when the pool does not know it. */
  WorkerProcess registered(ByteString workerId, Address address) {
    WorkerProcess w = workers.get(workerId);
    if (w == null) {
      return null;
    }
    w.address = address;
    startFailures.remove(w.jobId);
    if (w.reservedFor == null) {
      makeIdle(w);
    }
    return w;
  }

  /** A worker's process ended: forget it. */
  void removeExited(WorkerProcess w) {
    workers.remove(w.workerId);
    ArrayDeque<WorkerProcess> q = idle.get(w.jobId);
    if (q != null) {
      q.remove(w);
    }
  }

  /** Ends a worker process (its exit is reported through {@link Events#workerExited}). */
  void kill(WorkerProcess w) {
    w.killed = true;
    if (w.alive()) {
      w.process.destroyForcibly();
    }
  }

  /** Marks every worker killed and returns their processes, for the node's shutdown. */
  List<Process> killAllForShutdown() {
    List<Process> procs = new ArrayList<>(aot.runningForShutdown());
    for (WorkerProcess w : workers.values()) {
      w.killed = true;
      if (w.process != null) {
        procs.add(w.process);
      }
    }
    return procs;
  }
}
