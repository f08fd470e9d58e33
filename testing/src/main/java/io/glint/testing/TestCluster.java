package io.glint.testing;

import io.glint.api.InitOptions;
import io.glint.api.internal.RuntimeRegistry;
import io.glint.internal.runtime.DriverRuntime;
import io.glint.internal.runtime.cluster.ControlProcess;
import io.glint.internal.runtime.cluster.LocalCluster;
import io.glint.internal.runtime.cluster.NodeProcess;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.core.CoreWorker;
import io.glint.internal.runtime.node.NodeDaemon;
import io.glint.internal.store.SharedMemoryStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Glint cluster for tests: a control service and node daemons on ephemeral loopback ports,
 * worker processes, a fresh temporary session directory, and this JVM connected as the driver (so
 * {@code Glint.*} works). {@link #close()} stops everything and fails when a process it started is
 * still alive.
 *
 * <pre>{@code
 * try (TestCluster cluster = TestCluster.builder().nodes(2).cpusPerNode(1).start()) {
 *   assertEquals(16, Glint.get(Glint.task(Fns::square, 4).remote()));
 *   cluster.killNode(1);
 * }
 * }</pre>
 */
public final class TestCluster implements AutoCloseable {
  private final Builder spec;
  private final Path tempDir;
  private final LocalCluster cluster;
  private final Set<Long> preexisting;
  private CoreWorker driver;
  private boolean closed;

  private TestCluster(Builder spec) {
    this.spec = spec;
    this.preexisting = descendants();
    try {
      this.tempDir = Files.createTempDirectory("glint-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path session = tempDir.resolve("session");
    try {
      Files.createDirectories(session.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<LocalCluster.NodeSpec> nodes = new ArrayList<>();
    for (int i = 0; i < spec.nodes; i++) {
      nodes.add(spec.nodeSpec());
    }
    String token = Grpc.newToken();
    if (!spec.nodeProcesses) {
      this.cluster =
          LocalCluster.start(
              "127.0.0.1",
              token,
              session,
              SharedMemoryStore.defaultRoot(LocalCluster.storeBytes(nodes)),
              nodes);
      return;
    }
    tokenFile = tempDir.resolve("token");
    try {
      Files.writeString(tokenFile, token);
      Files.setPosixFilePermissions(
          tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (spec.controlStorage != null) {
      // The control service a process of its own too, so that it can be killed and restarted.
      controlProcess =
          ControlProcess.start(
              new ControlProcess.Spec(
                  "127.0.0.1",
                  freePort(),
                  tokenFile,
                  spec.controlStorage,
                  spec.nodeTimeoutMs,
                  session,
                  io.glint.internal.runtime.cluster.ClassPaths.forWorkers(List.of())));
      this.cluster =
          LocalCluster.attach(
              "127.0.0.1",
              token,
              session,
              tempDir,
              io.glint.internal.proto.Address.newBuilder()
                  .setHost("127.0.0.1")
                  .setPort(Integer.parseInt(controlProcess.address().split(":")[1]))
                  .build());
    } else {
      // The control service here; every node daemon a process of its own on 127.0.0.<n>.
      this.cluster =
          LocalCluster.start("127.0.0.1", token, session, tempDir, List.of(), spec.nodeTimeoutMs);
    }
    try {
      for (int i = 0; i < spec.nodes; i++) {
        addNodeProcess();
      }
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  private Path tokenFile;
  private ControlProcess controlProcess;

  private static int freePort() {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Kills the control service (kill -9) of a cluster built with {@link
   * Builder#controlProcess(String)}; nodes, workers and the driver keep running.
   */
  public void killControl() {
    requireControlProcess().kill();
  }

  /** Starts the killed control service again on the same address and storage. */
  public void restartControl() {
    requireControlProcess().restart();
  }

  private ControlProcess requireControlProcess() {
    if (controlProcess == null) {
      throw new IllegalStateException(
          "this cluster's control service runs in the test JVM; build it with controlProcess(...)");
    }
    return controlProcess;
  }

  private final List<NodeProcess> processes = new java.util.concurrent.CopyOnWriteArrayList<>();

  private NodeProcess addNodeProcess() {
    int n = processes.size() + 1;
    NodeProcess p =
        NodeProcess.start(
            new NodeProcess.Spec(
                "node-" + n,
                "127.0.0." + n,
                spec.nodeSpec().resources(),
                spec.objectStoreMemory,
                cluster.controlAddress().getHost() + ":" + cluster.controlAddress().getPort(),
                tokenFile,
                cluster.sessionDir(),
                spec.privateStores,
                io.glint.internal.runtime.cluster.ClassPaths.forWorkers(List.of()),
                0));
    processes.add(p);
    return p;
  }

  private void closeQuietly() {
    for (NodeProcess p : processes) {
      p.kill();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (controlProcess != null) {
      controlProcess.kill();
    }
  }

  /**
   * The node daemon processes of a cluster built with {@link Builder#nodeProcesses}, in start order
   * (node {@code i} listens on 127.0.0.{@code i+1}).
   */
  public List<NodeProcess> nodeProcesses() {
    return List.copyOf(processes);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether this machine can give node processes private stores (unshare as root). */
  public static boolean privateStoresAvailable() {
    return NodeProcess.privateStoresAvailable();
  }

  /** Connects this JVM as the cluster's driver; {@code Glint.*} works until {@link #close()}. */
  private void connectDriver() {
    InitOptions.Builder o = InitOptions.builder().logToDriver(spec.logToDriver);
    if (spec.namespace != null) {
      o.namespace(spec.namespace);
    }
    if (!spec.workerJvmOptions.isEmpty()) {
      o.workerJvmOptions(spec.workerJvmOptions);
    }
    if (!spec.jobCodePath.isEmpty()) {
      o.jobCodePath(spec.jobCodePath);
    }
    spec.serializers.forEach(o::serializer);
    Properties props = new Properties();
    props.setProperty(GlintConfig.LEASE_IDLE_MS.property(), Long.toString(spec.leaseIdleMs));
    // scripts/test hands the project's venv python to tests as -Dglint.python.
    String python = System.getProperty("glint.python", "");
    if (!python.isBlank()) {
      props.setProperty(GlintConfig.PYTHON_EXECUTABLE.property(), python);
    }
    if (!spec.pythonPath.isEmpty()) {
      props.setProperty(
          GlintConfig.PYTHON_PATH.property(),
          String.join(java.io.File.pathSeparator, spec.pythonPath));
    }
    // The environment's GLINT_* settings apply, as for any driver (e.g. GLINT_PYTHON_EXECUTABLE).
    GlintConfig.Resolved cfg = new GlintConfig(System.getenv(), props).resolve(o.build());
    driver = DriverRuntime.connect(cfg, cluster.controlAddress(), cluster.token(), null);
    RuntimeRegistry.install(driver);
  }

  /** The node daemons, head first. */
  public List<NodeDaemon> nodes() {
    return cluster.nodes();
  }

  /** Adds a node with the builder's per-node resources (in-process clusters). */
  public NodeDaemon addNode() {
    return cluster.addNode(spec.nodeSpec());
  }

  /** Adds a node daemon process (clusters built with {@link Builder#nodeProcesses}). */
  public NodeProcess addNodeProcessNow() {
    return addNodeProcess();
  }

  /** Stops node {@code index} abruptly (kill -9 for a node process); its workers die with it. */
  public void killNode(int index) {
    if (spec.nodeProcesses) {
      processes.get(index).kill();
      return;
    }
    cluster.killNode(cluster.nodes().get(index));
  }

  /** Process ids of all live workers. */
  public List<Long> workerPids() {
    if (!spec.nodeProcesses) {
      return cluster.workerPids();
    }
    List<Long> pids = new ArrayList<>();
    for (NodeProcess p : processes) {
      ProcessHandle.of(p.pid())
          .ifPresent(
              h ->
                  h.descendants()
                      // Early in the command line: the JDK reads only its first page.
                      .filter(
                          d -> d.info().commandLine().orElse("").contains("-Dglint.worker=true"))
                      .forEach(d -> pids.add(d.pid())));
    }
    return pids;
  }

  /**
   * Kills one live worker process, chosen with {@code random} (kill -9), for fault injection.
   * Returns its pid, or -1 when no worker is alive.
   */
  public long killRandomWorker(java.util.Random random) {
    List<Long> pids = workerPids();
    if (pids.isEmpty()) {
      return -1;
    }
    long pid = pids.get(random.nextInt(pids.size()));
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    return pid;
  }

  /** The control service's {@code host:port} (what drivers give as GLINT_ADDRESS). */
  public String address() {
    return cluster.controlAddress().getHost() + ":" + cluster.controlAddress().getPort();
  }

  /** The cluster's token (what drivers of other processes give as GLINT_TOKEN). */
  public String token() {
    return cluster.token();
  }

  /** The session directory nodes share (logs, node package caches). */
  public Path sessionDir() {
    return cluster.sessionDir();
  }

  /** Where this cluster's worker logs are written. */
  public Path logDir() {
    return cluster.sessionDir().resolve("logs");
  }

  /** Disconnects the driver, stops the cluster, deletes the temp directory; fails on leaks. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (driver != null) {
        RuntimeRegistry.uninstall(driver);
        driver.shutdown();
      }
    } finally {
      for (NodeProcess p : processes) {
        p.close();
      }
      cluster.close();
      if (controlProcess != null) {
        controlProcess.close();
      }
      deleteTree(tempDir);
    }
    List<ProcessHandle> leaked = leakedProcesses();
    if (!leaked.isEmpty()) {
      leaked.forEach(ProcessHandle::destroyForcibly);
      throw new AssertionError(
          "TestCluster leaked processes: "
              + leaked.stream()
                  .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                  .collect(Collectors.joining("; ")));
    }
  }

  /** Processes started since this cluster began and still alive after a grace period. */
  private List<ProcessHandle> leakedProcesses() {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      List<ProcessHandle> alive =
          ProcessHandle.current()
              .descendants()
              .filter(p -> !preexisting.contains(p.pid()) && p.isAlive())
              .toList();
      if (alive.isEmpty() || System.nanoTime() > deadline) {
        return alive;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return alive;
      }
    }
  }

  private static Set<Long> descendants() {
    return ProcessHandle.current()
        .descendants()
        .map(ProcessHandle::pid)
        .collect(Collectors.toSet());
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // best effort
                }
              });
    } catch (IOException ignored) {
      // already gone
    }
  }

  /** Builds a {@link TestCluster}. */
  public static final class Builder {
    private int nodes = 1;
    private double cpusPerNode = 2;
    private double gpusPerNode = 0;
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private boolean logToDriver = true;
    private String namespace;
    private List<String> workerJvmOptions = List.of();
    private List<String> jobCodePath = List.of();
    private boolean connect = true;
    private long objectStoreMemory = 512L << 20;
    private long leaseIdleMs = 10;
    private List<String> pythonPath = List.of();
    private final List<Class<? extends io.glint.api.ValueSerializer<?>>> serializers =
        new ArrayList<>();
    private boolean nodeProcesses;
    private boolean privateStores;
    private long nodeTimeoutMs = 30_000;
    private String controlStorage;

    /**
     * Runs the control service as a process of its own keeping its state in {@code storage} ({@code
     * memory}, a file path, or {@code redis://host:port}), so that {@link #killControl()} and
     * {@link #restartControl()} can take it down and bring it back. Implies node processes.
     */
    public Builder controlProcess(String storage) {
      this.controlStorage = storage;
      this.nodeProcesses = true;
      return this;
    }

    /** How long a node may miss its reports before it is declared dead (default 30 s). */
    public Builder nodeTimeoutMs(long millis) {
      this.nodeTimeoutMs = millis;
      return this;
    }

    private Builder() {}

    /**
     * Runs every node daemon as a process of its own, node {@code i} on 127.0.0.{@code i+1}, each
     * with its own store (a multi-machine cluster on one machine). The control service and the
     * driver stay in this JVM.
     */
    public Builder nodeProcesses(boolean processes) {
      this.nodeProcesses = processes;
      return this;
    }

    /**
     * Also gives each node process a mount namespace with a private {@code /dev/shm}, so no other
     * process can see its store: objects reach other nodes and the driver only over the network.
     * Needs {@code unshare} and root; see {@link #privateStoresAvailable()}.
     */
    public Builder privateStores(boolean privateStores) {
      this.privateStores = privateStores;
      if (privateStores) {
        this.nodeProcesses = true;
      }
      return this;
    }

    /** A value serializer for the driver and every worker (InitOptions.serializer). */
    public Builder serializer(Class<? extends io.glint.api.ValueSerializer<?>> serializer) {
      serializers.add(serializer);
      return this;
    }

    /** Directories with Python modules for Python tasks (glint.python.path). */
    public Builder pythonPath(List<String> dirs) {
      this.pythonPath = List.copyOf(dirs);
      return this;
    }

    /** How long submitters keep an idle worker lease (glint.lease.idleReturnMs); default 10. */
    public Builder leaseIdleMs(long millis) {
      this.leaseIdleMs = millis;
      return this;
    }

    /** Bytes of each node's object store; default 512 MiB (small, so tests exercise spilling). */
    public Builder objectStoreMemory(long bytes) {
      this.objectStoreMemory = bytes;
      return this;
    }

    public Builder nodes(int nodes) {
      if (nodes < 1) {
        throw new IllegalArgumentException("a cluster needs at least one node, got " + nodes);
      }
      this.nodes = nodes;
      return this;
    }

    public Builder cpusPerNode(double cpus) {
      this.cpusPerNode = cpus;
      return this;
    }

    public Builder gpusPerNode(double gpus) {
      this.gpusPerNode = gpus;
      return this;
    }

    /** A custom resource every node has. */
    public Builder resource(String name, double quantity) {
      resources.put(name, quantity);
      return this;
    }

    public Builder logToDriver(boolean logToDriver) {
      this.logToDriver = logToDriver;
      return this;
    }

    public Builder namespace(String namespace) {
      this.namespace = namespace;
      return this;
    }

    public Builder workerJvmOptions(List<String> options) {
      this.workerJvmOptions = List.copyOf(options);
      return this;
    }

    public Builder jobCodePath(List<String> entries) {
      this.jobCodePath = List.copyOf(entries);
      return this;
    }

    /** Whether this JVM becomes the driver at start (default true). */
    public Builder connectDriver(boolean connect) {
      this.connect = connect;
      return this;
    }

    LocalCluster.NodeSpec nodeSpec() {
      Map<String, Double> r = new LinkedHashMap<>();
      r.put(ResourceSet.CPU, cpusPerNode);
      if (gpusPerNode > 0) {
        r.put(ResourceSet.GPU, gpusPerNode);
      }
      r.putAll(resources);
      return new LocalCluster.NodeSpec(ResourceSet.of(r), Map.of(), objectStoreMemory);
    }

    public TestCluster start() {
      TestCluster c = new TestCluster(this);
      if (connect) {
        try {
          c.connectDriver();
        } catch (RuntimeException e) {
          c.close();
          throw e;
        }
      }
      return c;
    }
  }
}
