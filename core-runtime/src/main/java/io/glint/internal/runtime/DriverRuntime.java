package io.glint.internal.runtime;

import com.google.protobuf.ByteString;
import io.glint.api.InitOptions;
import io.glint.api.exception.ConfigurationException;
import io.glint.api.exception.GlintException;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.FinishJobRequest;
import io.glint.internal.proto.GetAllNodesReply;
import io.glint.internal.proto.GetAllNodesRequest;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.proto.LogBatch;
import io.glint.internal.proto.LogLine;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.PrestartWorkersRequest;
import io.glint.internal.proto.RegisterJobReply;
import io.glint.internal.proto.RegisterJobRequest;
import io.glint.internal.proto.StreamWorkerLogsRequest;
import io.glint.internal.runtime.cluster.ClassPaths;
import io.glint.internal.runtime.cluster.ClusterRecords;
import io.glint.internal.runtime.cluster.CodePackages;
import io.glint.internal.runtime.cluster.JvmDefaults;
import io.glint.internal.runtime.cluster.LocalCluster;
import io.glint.internal.runtime.cluster.NodeResources;
import io.glint.internal.runtime.cluster.Sessions;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.common.Versions;
import io.glint.internal.runtime.core.CoreWorker;
import io.glint.internal.store.SharedMemoryStore;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a driver: an embedded local cluster when no address is configured (control service and one
 * node daemon in this process, workers as child processes), or a connection to an existing cluster;
 * then the driver's core worker, its job, worker log forwarding and pre-started workers.
 */
public final class DriverRuntime {
  /** Directories of a Python driver's modules, for workers on the driver's machine. */
  public static final String DRIVER_PYTHON_PATH = "glint.python.driverPath";

  private static final String HOST = "127.0.0.1";

  private DriverRuntime() {}

  public static CoreWorker start(InitOptions options) {
    return start(options, GlintConfig.fromSystem());
  }

  public static CoreWorker start(InitOptions options, GlintConfig config) {
    JvmDefaults.apply();
    GlintConfig.Resolved cfg = config.resolve(options);
    LocalCluster cluster = null;
    String dashboardLink = null;
    Address control;
    String token;
    if (cfg.address() == null) {
      token = Grpc.newToken();
      for (Path storeRoot : SharedMemoryStore.candidateRoots()) {
        Sessions.sweepStale(cfg.tempDir(), storeRoot);
      }
      Path session = Sessions.create(cfg.tempDir());
      ResourceSet resources = NodeResources.of(cfg.numCpus(), cfg.numGpus(), cfg.resources());
      cluster =
          LocalCluster.start(
              HOST,
              token,
              session,
              List.of(
                  new LocalCluster.NodeSpec(
                      resources,
                      Map.of(),
                      cfg.objectStoreMemory() != null
                          ? cfg.objectStoreMemory()
                          : NodeResources.defaultObjectStoreBytes())));
      control = cluster.controlAddress();
      if (cfg.includeDashboard()) {
        dashboardLink = EmbeddedDashboard.start(cluster, cfg, token);
      }
    } else {
      ClusterRecords records = new ClusterRecords(cfg.tempDir());
      String address = cfg.address();
      if (address.equals("auto")) {
        address =
            records
                .latest()
                .map(ClusterRecords.Cluster::address)
                .orElseThrow(
                    () ->
                        new ConfigurationException(
                            "GLINT_ADDRESS=auto, but no cluster started with glint start runs on"
                                + " this machine (records under "
                                + records.root()
                                + ")"));
      }
      // This user's clusters on this machine: their token is recorded where only the user reads.
      token = cfg.token() != null ? cfg.token() : records.token(address).orElse(null);
      if (token == null) {
        throw new ConfigurationException(
            "Joining the cluster at "
                + address
                + " needs its token: set GLINT_TOKEN (or -Dglint.token)");
      }
      control = parseAddress(address);
    }
    try {
      CoreWorker driver = connect(cfg, control, token, cluster);
      if (dashboardLink != null) {
        EmbeddedDashboard.announce(dashboardLink);
      }
      return driver;
    } catch (RuntimeException e) {
      if (cluster != null) {
        cluster.close();
      }
      throw e;
    }
  }

  /** Joins the cluster at {@code control} as a driver. */
  public static CoreWorker connect(
      GlintConfig.Resolved cfg, Address control, String token, LocalCluster owned) {
    ManagedChannel ch = Grpc.channel(control.getHost(), control.getPort(), token, null);
    NodeInfo local;
    NodeInfo home;
    try {
      var stub = ControlServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
      Versions.check(stub.handshake(Versions.request()), "control service " + control);
      GetAllNodesReply nodes = stub.getAllNodes(GetAllNodesRequest.getDefaultInstance());
      List<NodeInfo> alive = nodes.getNodesList().stream().filter(NodeInfo::getAlive).toList();
      if (alive.isEmpty()) {
        throw new GlintException("The cluster at " + control + " has no live node");
      }
      // The node of this machine whose store this process can map; else none: a remote driver,
      // whose objects move over the network (to and from its home node, the first one).
      local = alive.stream().filter(DriverRuntime::storeVisible).findFirst().orElse(null);
      home = local != null ? local : alive.get(0);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.UNAUTHENTICATED) {
        throw new ConfigurationException(
            "The Glint cluster at "
                + control.getHost()
                + ":"
                + control.getPort()
                + " refused this driver's token: set GLINT_TOKEN to the cluster's token");
      }
      throw new GlintException(
          "Cannot reach the Glint control service at "
              + control.getHost()
              + ":"
              + control.getPort()
              + ": "
              + e.getStatus().getCode()
              + (e.getStatus().getDescription() == null
                  ? ""
                  : " (" + e.getStatus().getDescription() + ")"),
          e);
    } finally {
      Grpc.shutdown(ch);
    }
    String serializers = String.join(",", cfg.serializers());
    io.glint.internal.runtime.serialization.ValueSerializers.register(
        serializers, Thread.currentThread().getContextClassLoader());
    CoreWorker cw =
        new CoreWorker(
            new CoreWorker.Settings(
                CoreWorker.Mode.DRIVER,
                Ids.random(),
                home.getNodeId(),
                home.getAddress(),
                control,
                token,
                local == null ? null : Path.of(local.getObjectStoreDir()),
                driverHost(control),
                cfg.leaseIdleMs(),
                null));
    try {
      cw.start();
      JobConfig.Builder job =
          JobConfig.newBuilder()
              .addAllCodePackages(CodePackages.of(ClassPaths.forWorkers(cfg.jobCodePath())))
              .addAllJvmOptions(cfg.workerJvmOptions())
              .setNamespace(cfg.namespace() == null ? "" : cfg.namespace())
              .setDriverAddress(cw.address())
              .setDriverPid((int) ProcessHandle.current().pid())
              .setLogToDriver(cfg.logToDriver())
              .putWorkerProperties(
                  GlintConfig.LEASE_IDLE_MS.property(), Long.toString(cfg.leaseIdleMs()))
              .putWorkerProperties(
                  io.glint.internal.runtime.serialization.ValueSerializers.PROPERTY, serializers)
              // Resolved here, on the driver's PATH, so an active virtual environment wins.
              .putWorkerProperties(
                  GlintConfig.PYTHON_EXECUTABLE.property(),
                  CoreWorker.pythonOnPath(
                          cfg.pythonExecutable() != null ? cfg.pythonExecutable() : "python3")
                      .toString())
              .putWorkerProperties(
                  GlintConfig.PYTHON_PATH.property(),
                  String.join(
                      java.io.File.pathSeparator,
                      java.util.stream.Stream.concat(
                              cfg.pythonPath().stream()
                                  .map(x -> Path.of(x).toAbsolutePath().toString()),
                              // A Python driver's own directories: found by workers on this
                              // machine, as Ray's find the driver's sys.path; not packaged.
                              java.util.Arrays.stream(
                                      System.getProperty(DRIVER_PYTHON_PATH, "")
                                          .split(java.io.File.pathSeparator))
                                  .filter(x -> !x.isBlank()))
                          .toList()))
              // The same directories as packages, for nodes on other machines.
              .addAllPythonPackages(CodePackages.of(cfg.pythonPath()));
      var controlStub = ControlServiceGrpc.newBlockingStub(cw.channels().get(control));
      RegisterJobReply reg =
          controlStub
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .registerJob(RegisterJobRequest.newBuilder().setConfig(job).build());
      ByteString jobId = reg.getJobId();
      cw.setJob(jobId, reg.getNamespace());
      if (cfg.logToDriver()) {
        LogPrinter printer = new LogPrinter();
        java.util.Set<ByteString> subscribed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Runnable subscribe =
            () -> {
              for (NodeInfo n : cw.clusterView()) {
                if (n.getAlive() && subscribed.add(n.getNodeId())) {
                  NodeServiceGrpc.newStub(cw.channels().get(n.getAddress()))
                      .streamWorkerLogs(
                          StreamWorkerLogsRequest.newBuilder().setJobId(jobId).build(), printer);
                }
              }
            };
        cw.refreshClusterViewNow();
        subscribe.run();
        // Nodes that join later print their workers' output too.
        cw.onClusterView(subscribe);
      }
      int prestart =
          cfg.prestartWorkers() != null
              ? cfg.prestartWorkers()
              : (int) Math.floor(ResourceSet.fromProto(home.getTotal()).get(ResourceSet.CPU));
      if (prestart > 0) {
        NodeServiceGrpc.newBlockingStub(cw.channels().get(home.getAddress()))
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .prestartWorkers(
                PrestartWorkersRequest.newBuilder().setJobId(jobId).setCount(prestart).build());
      }
      cw.refreshClusterViewNow();
      cw.onShutdown(
          () -> {
            try {
              controlStub
                  .withDeadlineAfter(5, TimeUnit.SECONDS)
                  .finishJob(FinishJobRequest.newBuilder().setJobId(jobId).build());
            } catch (StatusRuntimeException ignored) {
              // the cluster may be gone already
            }
            if (owned != null) {
              owned.close();
            }
          });
      Thread hook = new Thread(cw::shutdown, "glint-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      cw.onShutdown(
          () -> {
            try {
              Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
              // already shutting down
            }
          });
      return cw;
    } catch (RuntimeException e) {
      cw.shutdown();
      throw e;
    }
  }

  /**
   * Whether this process can map the node's store: a node of this machine, in this process's mount
   * namespace.
   */
  static boolean storeVisible(NodeInfo n) {
    if (n.getObjectStoreDir().isEmpty()) {
      return false;
    }
    Path dir = Path.of(n.getObjectStoreDir());
    return java.nio.file.Files.isRegularFile(dir.resolve(SharedMemoryStore.ARENA_FILE));
  }

  /**
   * The address this driver listens on, for the owners' side of its objects: loopback for a cluster
   * on loopback, else the local address that reaches the control service.
   */
  static String driverHost(Address control) {
    try {
      java.net.InetAddress c = java.net.InetAddress.getByName(control.getHost());
      if (c.isLoopbackAddress()) {
        return HOST;
      }
      try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
        s.connect(c, control.getPort());
        return s.getLocalAddress().getHostAddress();
      }
    } catch (java.io.IOException e) {
      return HOST;
    }
  }

  static Address parseAddress(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new ConfigurationException(
          "GLINT_ADDRESS must be host:port or auto, got '" + address + "'");
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      return Address.newBuilder().setHost(address.substring(0, colon)).setPort(port).build();
    } catch (NumberFormatException e) {
      throw new ConfigurationException(
          "GLINT_ADDRESS must be host:port or auto, got '" + address + "'");
    }
  }

  /** Prints worker output on the driver's console, Ray style: {@code (pid=123) line}. */
  static final class LogPrinter implements StreamObserver<LogBatch> {
    @Override
    public void onNext(LogBatch batch) {
      for (LogLine l : batch.getLinesList()) {
        PrintStream out = l.getStderr() ? System.err : System.out;
        String who =
            l.getActorName().isEmpty()
                ? "(pid=" + l.getPid() + ") "
                : "(" + l.getActorName() + " pid=" + l.getPid() + ") ";
        out.println(who + l.getLine());
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
