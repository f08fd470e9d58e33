package io.glint.cluster.launcher;

import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.NodeType;
import io.glint.cluster.provider.CommandRunner;
import io.glint.cluster.provider.NodeProvider;
import io.glint.cluster.provider.ProviderNode;
import io.glint.cluster.provider.Tags;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

/**
 * What {@code glint up/down/exec/submit/attach/get-head-ip/rsync-up/rsync-down} do, as Ray's
 * cluster launcher: {@code up} launches (or finds) the head, sets it up and starts Glint there with
 * the autoscaler, which then launches the workers ({@code min_workers} at once, more on demand);
 * {@code down} ends every node the cluster's tags find.
 */
public final class ClusterLauncher {
  /**
   * Where {@code up} puts the cluster file on the head (the default head start command reads it).
   */
  public static final String BOOTSTRAP_CONFIG = "~/glint_bootstrap_config.yaml";

  private final ClusterConfig config;
  private final NodeProvider provider;
  private final PrintStream out;

  public ClusterLauncher(ClusterConfig config, NodeProvider provider, PrintStream out) {
    this.config = config;
    this.provider = provider;
    this.out = out;
  }

  /** What {@code up} would do, touching nothing ({@code glint up --dry-run}). */
  public static String plan(ClusterConfig c) {
    StringBuilder b = new StringBuilder();
    b.append("Cluster ")
        .append(c.clusterName())
        .append(" (provider ")
        .append(c.provider().type())
        .append(c.provider().region() == null ? "" : ", region " + c.provider().region())
        .append(
            c.provider().availabilityZone() == null
                ? ""
                : ", zone " + c.provider().availabilityZone())
        .append(c.provider().projectId() == null ? "" : ", project " + c.provider().projectId())
        .append("): the file is valid; nothing was launched.\n");
    NodeType head = c.headType();
    b.append("  head: 1 node of type ")
        .append(head.name())
        .append(' ')
        .append(head.nodeConfig())
        .append(head.resources().isEmpty() ? "" : " resources " + describe(head.resources()))
        .append('\n');
    for (NodeType t : c.workerTypes()) {
      b.append("  workers: ")
          .append(t.name())
          .append(' ')
          .append(t.nodeConfig())
          .append(t.resources().isEmpty() ? "" : " resources " + describe(t.resources()))
          .append(", ")
          .append(t.minWorkers())
          .append(" at start, up to ")
          .append(t.maxWorkers())
          .append('\n');
    }
    b.append("  at most ")
        .append(c.maxWorkers())
        .append(" workers in all; upscaling_speed ")
        .append(c.upscalingSpeed())
        .append("; idle nodes end after ")
        .append(c.idleTimeoutMinutes())
        .append(" min\n");
    b.append("  login: ").append(c.auth().sshUser());
    if (c.auth().sshPrivateKey() != null) {
      b.append(" with ").append(c.auth().sshPrivateKey());
    }
    b.append('\n');
    steps(
        b,
        "file mounts",
        c.fileMounts().entrySet().stream().map(e -> e.getValue() + " -> " + e.getKey()).toList());
    steps(b, "initialization commands", c.initializationCommands());
    steps(b, "setup commands", c.setupCommands());
    steps(b, "head setup commands", c.headSetupCommands());
    steps(b, "worker setup commands", c.workerSetupCommands());
    steps(b, "head start commands", c.headStartCommands());
    steps(b, "worker start commands", c.workerStartCommands());
    for (String w : c.warnings()) {
      b.append("  warning: ").append(w).append('\n');
    }
    return b.toString();
  }

  private static String describe(Map<String, Double> r) {
    StringBuilder b = new StringBuilder("{");
    r.forEach(
        (k, v) ->
            b.append(b.length() > 1 ? ", " : "")
                .append(k)
                .append(": ")
                .append(v == Math.rint(v) ? String.valueOf(v.longValue()) : String.valueOf(v)));
    return b.append('}').toString();
  }

  private static void steps(StringBuilder b, String title, List<String> items) {
    if (items.isEmpty()) {
      return;
    }
    b.append("  ").append(title).append(":\n");
    items.forEach(i -> b.append("    ").append(i).append('\n'));
  }

  private Map<String, String> headFilter() {
    return Map.of(Tags.CLUSTER_NAME, config.clusterName(), Tags.NODE_KIND, Tags.KIND_HEAD);
  }

  /** The head, or an error saying the cluster is not up. */
  public ProviderNode head() {
    List<ProviderNode> heads = provider.nonTerminatedNodes(headFilter());
    if (heads.isEmpty()) {
      throw new IllegalStateException(
          "cluster " + config.clusterName() + " has no head node: run glint up first");
    }
    return heads.get(0);
  }

  /** Launches or reuses the head, sets it up and starts Glint and the autoscaler there. */
  public ProviderNode up(boolean noRestart) {
    config.warnings().forEach(w -> out.println("warning: " + w));
    List<ProviderNode> heads = provider.nonTerminatedNodes(headFilter());
    ProviderNode head;
    boolean fresh = heads.isEmpty();
    if (fresh) {
      out.println("Launching the head node (type " + config.headNodeType() + ")...");
      head =
          provider
              .createNodes(
                  config.headType(),
                  Map.of(
                      Tags.CLUSTER_NAME,
                      config.clusterName(),
                      Tags.NODE_KIND,
                      Tags.KIND_HEAD,
                      Tags.NODE_STATUS,
                      Tags.STATUS_UNINITIALIZED,
                      Tags.NODE_NAME,
                      "glint-" + config.clusterName() + "-head"),
                  1)
              .get(0);
    } else {
      head = heads.get(0);
      out.println("Found the head node " + head.id() + "; updating it...");
    }
    CommandRunner runner = provider.commandRunner(head);
    NodeUpdater updater =
        new NodeUpdater(
            config, provider, out::println, Duration.ofMinutes(5), Duration.ofMinutes(30));
    boolean restart = fresh || !noRestart;
    if (config.source() != null) {
      // The autoscaler on the head reads the same cluster, as seen from the head.
      runner.copyUp(BootstrapConfig.write(config, runner), BOOTSTRAP_CONFIG);
    }
    updater.update(head, Map.of("GLINT_HEAD_IP", head.internalIp()), restart);
    out.println(
        "Glint cluster "
            + config.clusterName()
            + " is up; head "
            + head.id()
            + " at "
            + head.address(config.provider().useInternalIps())
            + ".");
    out.println("  The autoscaler on the head launches workers (min_workers now, more on demand).");
    out.println("  Status:  glint exec <cluster.yaml> 'glint status'");
    out.println("  Submit:  glint submit <cluster.yaml> app.jar [args]");
    out.println("  Shell:   glint attach <cluster.yaml>      End it: glint down <cluster.yaml>");
    return head;
  }

  /**
   * Ends every node of the cluster: Glint on the head first (so its autoscaler launches no more).
   */
  public int down() {
    List<ProviderNode> heads = provider.nonTerminatedNodes(headFilter());
    for (ProviderNode h : heads) {
      out.println("Stopping Glint on the head " + h.id() + "...");
      provider.commandRunner(h).run("glint stop", Map.of(), Duration.ofMinutes(2));
    }
    int ended = 0;
    for (int round = 0; round < 3; round++) {
      List<String> workers =
          provider
              .nonTerminatedNodes(
                  Map.of(Tags.CLUSTER_NAME, config.clusterName(), Tags.NODE_KIND, Tags.KIND_WORKER))
              .stream()
              .map(ProviderNode::id)
              .toList();
      if (workers.isEmpty()) {
        break;
      }
      out.println("Ending " + workers.size() + " worker node(s): " + String.join(", ", workers));
      provider.terminateNodes(workers);
      ended += workers.size();
    }
    int strays = provider.endUnrecorded();
    if (strays > 0) {
      out.println("Ended Glint on " + strays + " worker host(s) the head had launched.");
      ended += strays;
    }
    List<String> headIds = heads.stream().map(ProviderNode::id).toList();
    if (!headIds.isEmpty()) {
      out.println("Ending the head node " + String.join(", ", headIds) + "...");
      provider.terminateNodes(headIds);
      ended += headIds.size();
    }
    provider.forgetCluster();
    out.println(
        "Cluster "
            + config.clusterName()
            + " is down: "
            + ended
            + " node"
            + (ended == 1 ? "" : "s")
            + " ended.");
    return ended;
  }

  /** Runs a shell command on the head; its output goes to this launcher's output. */
  public int exec(String command) {
    ProviderNode head = head();
    CommandRunner.Result r =
        provider.commandRunner(head).run(command, Map.of(), Duration.ofHours(24));
    if (!r.output().isEmpty()) {
      out.println(r.output());
    }
    return r.exitCode();
  }

  /**
   * Copies a driver jar to the head and runs it there against the cluster ({@code glint submit}),
   * with Glint's jars on its class path.
   */
  public int submit(Path jar, String mainClass, List<String> args) {
    String main = mainClass != null ? mainClass : mainClassOf(jar);
    ProviderNode head = head();
    String remote = "~/" + jar.getFileName();
    provider.commandRunner(head).copyUp(jar, remote);
    List<String> cmd = new ArrayList<>();
    cmd.add("GLINT_ADDRESS=auto");
    cmd.add("\"${JAVA_HOME:+$JAVA_HOME/bin/}java\"");
    cmd.add("-cp");
    cmd.add(
        "\"$HOME/"
            + jar.getFileName()
            + ":${GLINT_HOME:-$(dirname \"$(dirname \"$(readlink -f \"$(command -v glint)\")\")\")}/lib/*\"");
    cmd.add(main);
    args.forEach(a -> cmd.add(io.glint.cluster.provider.Shell.quote(a)));
    out.println(
        "Running " + jar.getFileName() + " (" + main + ") on the head " + head.id() + "...");
    return exec(String.join(" ", cmd));
  }

  static String mainClassOf(Path jar) {
    try (JarFile j = new JarFile(jar.toFile())) {
      var m = j.getManifest();
      String main = m == null ? null : m.getMainAttributes().getValue("Main-Class");
      if (main == null) {
        throw new IllegalArgumentException(
            jar + " names no Main-Class in its manifest: give --main-class");
      }
      return main;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read " + jar + ": " + e.getMessage());
    }
  }

  public int attach() {
    return provider.commandRunner(head()).attach(Map.of());
  }

  public String headIp() {
    return head().address(config.provider().useInternalIps());
  }

  public void rsyncUp(Path local, String remote) {
    provider.commandRunner(head()).copyUp(local, remote);
  }

  public void rsyncDown(String remote, Path local) {
    provider.commandRunner(head()).copyDown(remote, local);
  }
}
