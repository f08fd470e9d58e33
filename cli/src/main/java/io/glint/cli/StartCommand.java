package io.glint.cli;

import io.glint.api.exception.ConfigurationException;
import io.glint.internal.runtime.cluster.ClassPaths;
import io.glint.internal.runtime.cluster.ClusterRecords;
import io.glint.internal.runtime.cluster.NodeProcess;
import io.glint.internal.runtime.cluster.NodeResources;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.store.ByteSizes;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code glint start --head} / {@code glint start --address HOST:PORT}: Ray's {@code ray start}.
 * The daemons run as background processes that outlive this command (the control service in a
 * process of its own, so that it can be restarted alone).
 */
@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    description =
        "Starts a cluster's head (--head: control service and a node) or a node that joins one"
            + " (--address), as background processes.")
final class StartCommand implements Callable<Integer> {
  @Option(names = "--head", description = "Start the head: the control service and a node.")
  boolean head;

  @Option(names = "--address", description = "Join the cluster whose control service is here.")
  String address;

  @Option(names = "--port", description = "The control service's port (--head; 0: any free one).")
  Integer port;

  @Option(
      names = "--node-ip-address",
      description = "The address this node's daemons listen on (default 127.0.0.1).")
  String nodeIp;

  @Option(names = "--num-cpus", description = "CPUs of this node (default: the machine's).")
  Double numCpus;

  @Option(names = "--num-gpus", description = "GPUs of this node (default: nvidia-smi's count).")
  Double numGpus;

  @Option(
      names = "--resources",
      description = "Custom resources, as JSON ('{\"disk\": 2}') or name=qty,...")
  String resources;

  @Option(
      names = "--object-store-memory",
      description = "This node's object store (bytes, or 2g, 1.5GiB; default 30%% of memory).")
  String objectStoreMemory;

  @Option(
      names = "--temp-dir",
      description = "Where the cluster's records and logs live (default: glint.tempDir).")
  Path tempDir;

  @Option(
      names = "--metrics-export-port",
      description =
          "Port of this node's Prometheus endpoint, /metrics behind the cluster token (default: any"
              + " free port; -1: none). The head's discovery file lists it.")
  int metricsExportPort;

  @Option(names = "--node-name", description = "A name for this node (default: head, node-<n>).")
  String nodeName;

  @Option(names = "--block", description = "Stay in the foreground; stop everything on Ctrl-C.")
  boolean block;

  @Option(
      names = "--node-timeout-ms",
      description =
          "(--head) How long a node may miss its reports before it is declared dead (default"
              + " 30000).")
  Long nodeTimeoutMs;

  @Option(
      names = "--storage",
      description =
          "(--head) Where the control service keeps the cluster's state: a file (default: in the"
              + " cluster's record directory), redis://HOST:PORT[/PREFIX], or memory. A control"
              + " service started again on it (glint start --head on the same port) recovers the"
              + " cluster.")
  String storage;

  @Option(
      names = "--autoscaling-config",
      description =
          "(--head) Run the autoscaler on the head with this cluster YAML (glint up puts it at"
              + " ~/glint_bootstrap_config.yaml): it launches and ends worker nodes through the"
              + " config's provider.")
  String autoscalingConfig;

  @Option(
      names = "--include-dashboard",
      arity = "1",
      description =
          "(--head) Run the dashboard (REST API and /metrics) on the head (default true).")
  boolean includeDashboard = true;

  @Option(
      names = "--dashboard-host",
      description = "(--head) Where the dashboard listens (default: --node-ip-address).")
  String dashboardHost;

  @Option(
      names = "--dashboard-port",
      description = "(--head) The dashboard's port (default 8265; the next free one if taken).")
  int dashboardPort = 8265;

  @Override
  public Integer call() throws Exception {
    applyLauncherEnvironment();
    if (head == (address != null)) {
      throw new GlintCli.UserError("give exactly one of --head or --address HOST:PORT");
    }
    if (numCpus != null && (numCpus.isNaN() || numCpus < 0)) {
      throw new GlintCli.UserError("--num-cpus must be 0 or more, got " + numCpus);
    }
    if (numGpus != null && (numGpus.isNaN() || numGpus < 0)) {
      throw new GlintCli.UserError("--num-gpus must be 0 or more, got " + numGpus);
    }
    if (port != null && (port < 0 || port > 65535)) {
      throw new GlintCli.UserError("--port must be between 0 and 65535, got " + port);
    }
    long storeBytes;
    ResourceSet res;
    try {
      storeBytes =
          objectStoreMemory == null
              ? NodeResources.defaultObjectStoreBytes()
              : GlintConfig.checkStoreSize(ByteSizes.parse(objectStoreMemory));
      res =
          NodeResources.of(
              numCpus, numGpus, resources == null ? Map.of() : parseResources(resources));
    } catch (IllegalArgumentException e) {
      throw new GlintCli.UserError(
          (objectStoreMemory != null && e.getMessage().contains(objectStoreMemory)
                  ? "--object-store-memory: "
                  : "")
              + e.getMessage());
    }
    String host = nodeIp == null ? "127.0.0.1" : nodeIp;
    ClusterRecords records = new ClusterRecords(tempDir());
    List<String> cp = ClassPaths.forWorkers(List.of());
    PrintStream out = System.out;
    ClusterRecords.Cluster cluster;
    String controlAddress;
    long controlPid = -1;
    if (head) {
      int p = port == null ? 6379 : port;
      if (p != 0) {
        var existing = records.find(host + ":" + p);
        existing
            .filter(ClusterRecords::controlAlive)
            .ifPresent(
                c -> {
                  throw new GlintCli.UserError(
                      "a Glint cluster already runs at "
                          + c.address()
                          + " (glint stop ends it; --port chooses another)");
                });
        if (existing.isPresent()
            && Files.exists(existing.get().dir().resolve("storage"))
            && nodesAlive(existing.get())) {
          return restartControl(existing.get(), host, p, cp, out);
        }
      }
      if (p == 0) {
        p = freePort(host);
      }
      String token = Grpc.newToken();
      cluster = records.create(host + ":" + p, token);
      Path defaultState = cluster.dir().resolve("control-state.mv");
      // A fresh cluster does not recover the state an earlier one left in its default file.
      Files.deleteIfExists(defaultState);
      String spec = storage != null ? storage : defaultState.toString();
      Files.writeString(cluster.dir().resolve("storage"), spec + "\n");
      String[] fields = launchControl(cluster, host, p, spec, cp);
      controlAddress = fields[0];
      controlPid = Long.parseLong(fields[1]);
    } else {
      controlAddress = address;
      String token = System.getenv("GLINT_TOKEN");
      if (token == null || token.isBlank()) {
        token = records.token(address).orElse(null);
      }
      if (token == null) {
        throw new GlintCli.UserError(
            "joining "
                + address
                + " needs its token: set GLINT_TOKEN (glint start --head printed how to get it)");
      }
      cluster = records.create(address, token);
    }
    String name = nodeName != null ? nodeName : head ? "head" : nextNodeName(cluster);
    Path ready = cluster.nodesDir().resolve(name + ".ready");
    Path log = cluster.sessionDir().resolve("logs").resolve("node-" + name + ".log");
    NodeProcess.Spec spec =
        new NodeProcess.Spec(
            name,
            host,
            res,
            storeBytes,
            controlAddress,
            cluster.tokenFile(),
            cluster.sessionDir(),
            false,
            cp,
            metricsExportPort);
    Process proc = NodeProcess.launch(NodeProcess.command(spec, ready, true), ready, log);
    String[] node;
    try {
      node = NodeProcess.awaitReady(proc, ready, log, "Node " + name);
    } catch (IllegalStateException e) {
      if (controlPid > 0) {
        ProcessHandle.of(controlPid).ifPresent(ProcessHandle::destroy);
      }
      throw new GlintCli.UserError(e.getMessage());
    }
    if (head) {
      out.println("Glint head started: control service at " + controlAddress + ".");
    } else {
      out.println("Glint node " + name + " joined the cluster at " + controlAddress + ".");
    }
    out.println(
        "  node "
            + name
            + " at "
            + node[1]
            + ": "
            + res.describe()
            + ", object store "
            + ByteSizes.format(storeBytes));
    if (head) {
      out.println();
      out.println(
          "  Connect a driver on this machine:  GLINT_ADDRESS=auto (or " + controlAddress + ")");
      out.println(
          "  Join from another machine:         GLINT_TOKEN=$(cat "
              + cluster.tokenFile()
              + ") glint start --address "
              + controlAddress);
      out.println(
          "  Drivers and glint commands of this user find the token in "
              + cluster.tokenFile()
              + "; others pass it as GLINT_TOKEN.");
      out.println("  Status: glint status    Stop: glint stop");
      dashboardUrl(cluster)
          .ifPresent(
              u ->
                  out.println(
                      "  Dashboard (the link carries the cluster token; keep it to yourself): "
                          + u
                          + "/?token="
                          + readToken(cluster)));
    }
    if (head && autoscalingConfig != null) {
      startAutoscaler(cluster, controlAddress, cp, out);
    }
    if (block) {
      out.println("Blocking; Ctrl-C stops what this command started.");
      long nodePid = Long.parseLong(node[3]);
      long cp2 = controlPid;
      Thread t = Thread.currentThread();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    StopCommand.stopPid(nodePid, false);
                    if (cp2 > 0) {
                      StopCommand.stopPid(cp2, false);
                    }
                    t.interrupt();
                  }));
      try {
        Thread.currentThread().join();
      } catch (InterruptedException e) {
        return 0;
      }
    }
    return 0;
  }

  /**
   * What a cluster launcher tells the node it sets up (Ray's RAY_OVERRIDE_RESOURCES and node IP):
   * GLINT_NODE_NAME, GLINT_NODE_IP_ADDRESS and GLINT_OVERRIDE_RESOURCES (the node type's resources,
   * as JSON) stand in for flags the command line leaves out.
   */
  private void applyLauncherEnvironment() {
    String launcherName = System.getenv("GLINT_NODE_NAME");
    if (nodeName == null && launcherName != null && !launcherName.isBlank()) {
      nodeName = launcherName.strip();
    }
    String ip = System.getenv("GLINT_NODE_IP_ADDRESS");
    if (nodeIp == null && ip != null && !ip.isBlank()) {
      nodeIp = ip.strip();
    }
    String override = System.getenv("GLINT_OVERRIDE_RESOURCES");
    if (override == null || override.isBlank()) {
      return;
    }
    Map<String, Double> r;
    try {
      r = parseResources(override);
    } catch (IllegalArgumentException e) {
      throw new GlintCli.UserError("GLINT_OVERRIDE_RESOURCES: " + e.getMessage());
    }
    Map<String, Double> custom = new java.util.LinkedHashMap<>(r);
    Double cpu = custom.remove("CPU");
    Double gpu = custom.remove("GPU");
    Double store = custom.remove("object_store_memory");
    custom.remove("memory");
    if (numCpus == null) {
      numCpus = cpu;
    }
    if (numGpus == null && gpu != null) {
      numGpus = gpu;
    }
    if (resources == null && !custom.isEmpty()) {
      StringBuilder b = new StringBuilder();
      custom.forEach((k, v) -> b.append(b.isEmpty() ? "" : ",").append(k).append('=').append(v));
      resources = b.toString();
    }
    if (objectStoreMemory == null && store != null) {
      objectStoreMemory = String.valueOf(store.longValue());
    }
  }

  /** Starts the autoscaler's process beside the control service (Ray's monitor). */
  private void startAutoscaler(
      ClusterRecords.Cluster cluster, String controlAddress, List<String> cp, PrintStream out) {
    String file = autoscalingConfig;
    if (file.startsWith("~/")) {
      String home = System.getenv("HOME");
      file = (home != null ? home : System.getProperty("user.home")) + file.substring(1);
    }
    Path config = Path.of(file).toAbsolutePath();
    if (!Files.isReadable(config)) {
      throw new GlintCli.UserError("--autoscaling-config: cannot read " + config);
    }
    Path ready = cluster.nodesDir().resolve("monitor.ready");
    Path log = cluster.sessionDir().resolve("logs").resolve("monitor.log");
    List<String> cmd =
        new java.util.ArrayList<>(
            NodeProcess.javaCommand(cp, "io.glint.cluster.autoscaler.MonitorMain"));
    cmd.add("--address=" + controlAddress);
    cmd.add("--token-file=" + cluster.tokenFile());
    cmd.add("--config=" + config);
    cmd.add("--ready-file=" + ready);
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      cmd.add(0, "/usr/bin/setsid");
    }
    Process proc = NodeProcess.launch(cmd, ready, log);
    try {
      NodeProcess.awaitReady(proc, ready, log, "The autoscaler");
    } catch (IllegalStateException e) {
      throw new GlintCli.UserError(e.getMessage());
    }
    out.println("  Autoscaler: running with " + config + " (log: " + log + ")");
  }

  private Path tempDir() {
    if (tempDir != null) {
      return tempDir;
    }
    try {
      return GlintConfig.fromSystem().resolve(io.glint.api.InitOptions.defaults()).tempDir();
    } catch (ConfigurationException e) {
      throw new GlintCli.UserError(e.getMessage());
    }
  }

  /** A port nobody listens on now (for --port=0: the cluster's address must be known first). */
  private String[] launchControl(
      ClusterRecords.Cluster cluster, String host, int p, String spec, List<String> cp) {
    Path ready = cluster.controlReady();
    Path log = cluster.sessionDir().resolve("logs").resolve("control.log");
    List<String> cmd =
        new java.util.ArrayList<>(
            NodeProcess.javaCommand(cp, "io.glint.internal.runtime.control.ControlMain"));
    cmd.add("--host=" + host);
    cmd.add("--port=" + p);
    cmd.add("--token-file=" + cluster.tokenFile());
    cmd.add("--ready-file=" + ready);
    cmd.add("--storage=" + spec);
    if (includeDashboard) {
      cmd.add("--dashboard-host=" + (dashboardHost != null ? dashboardHost : host));
      cmd.add("--dashboard-port=" + dashboardPort);
      cmd.add("--dashboard-url-file=" + cluster.dir().resolve("dashboard.url"));
      cmd.add("--jobs-dir=" + cluster.sessionDir().resolve("jobs"));
    }
    if (nodeTimeoutMs != null) {
      cmd.add("--node-timeout-ms=" + nodeTimeoutMs);
    }
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      cmd.add(0, "/usr/bin/setsid");
    }
    Process proc = NodeProcess.launch(cmd, ready, log);
    try {
      return NodeProcess.awaitReady(proc, ready, log, "The control service");
    } catch (IllegalStateException e) {
      throw new GlintCli.UserError(e.getMessage());
    }
  }

  /**
   * The cluster's control service died but its record (token, storage) is here: start it again on
   * the same port and storage. The node daemons and drivers reconnect by themselves.
   */
  private int restartControl(
      ClusterRecords.Cluster cluster, String host, int p, List<String> cp, PrintStream out)
      throws java.io.IOException {
    String spec = Files.readString(cluster.dir().resolve("storage")).strip();
    if (storage != null && !storage.equals(spec)) {
      throw new GlintCli.UserError(
          "the cluster at "
              + cluster.address()
              + " keeps its state in "
              + spec
              + ", not "
              + storage
              + " (glint stop ends it; --port starts another)");
    }
    String[] fields = launchControl(cluster, host, p, spec, cp);
    out.println(
        "Glint control service restarted at "
            + fields[0]
            + " from "
            + spec
            + "; its nodes and drivers reconnect by themselves.");
    return 0;
  }

  /** The dashboard's address, when the control service started one. */
  static java.util.Optional<String> dashboardUrl(ClusterRecords.Cluster c) {
    try {
      return java.util.Optional.of(Files.readString(c.dir().resolve("dashboard.url")).strip());
    } catch (java.io.IOException e) {
      return java.util.Optional.empty();
    }
  }

  private static String readToken(ClusterRecords.Cluster c) {
    try {
      return Files.readString(c.tokenFile()).strip();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Whether any node daemon recorded for the cluster still runs. */
  private static boolean nodesAlive(ClusterRecords.Cluster c) {
    for (Path ready : c.readyFiles()) {
      if (!ready.equals(c.controlReady())) {
        long pid = ClusterRecords.pidOf(ready);
        if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          return true;
        }
      }
    }
    return false;
  }

  private static int freePort(String host) {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new GlintCli.UserError("cannot listen on " + host + ": " + e.getMessage());
    }
  }

  private static String nextNodeName(ClusterRecords.Cluster c) {
    for (int i = 1; ; i++) {
      if (!Files.exists(c.nodesDir().resolve("node-" + i + ".ready"))) {
        return "node-" + i;
      }
    }
  }

  static Map<String, Double> parseResources(String text) {
    Map<String, Double> m = new java.util.LinkedHashMap<>();
    String t = text.strip();
    if (t.startsWith("{") && t.endsWith("}")) {
      t = t.substring(1, t.length() - 1).replace("\"", "").replace("'", "").replace(":", "=");
    }
    for (String part : t.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "--resources takes a JSON object or name=quantity pairs, got '" + text + "'");
      }
      String n = p.substring(0, eq).strip();
      m.put(
          n,
          io.glint.api.internal.ResourceValidation.parseQuantity(n, p.substring(eq + 1).strip()));
    }
    return m;
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8).strip();
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
