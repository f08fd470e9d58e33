package io.glint.cluster.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.glint.cluster.config.NodeType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The {@code local} provider without {@code worker_ips}: each "machine" is a directory on this host
 * whose commands run in a local shell, and whose Glint daemons listen on an address of their own in
 * 127.0.0.0/8 (127.A.B.n, A.B from the cluster's name), so a whole cluster with its autoscaling
 * runs on one machine with real node daemons. Ray's fake multi-node provider plays the same role.
 *
 * <p>What exists is kept in {@code <stateDir>/<cluster>/nodes.json} under a file lock, so the
 * launcher and the head's autoscaler (separate processes) see the same nodes, as Ray's local
 * provider keeps its state file.
 */
public final class LocalNodeProvider implements NodeProvider {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final String clusterName;
  private final Path dir;
  private final Path glintHome;
  private final String headIp;
  private final List<String> workerIps;
  private final io.glint.cluster.config.AuthConfig auth;

  /** The state file's content. */
  static final class State {
    public int next = 1;
    public Map<String, Entry> nodes = new LinkedHashMap<>();
  }

  /** One node in the state file. */
  static final class Entry {
    public String ip;
    public String type;
    public String state;
    public Map<String, String> tags = new LinkedHashMap<>();
  }

  /**
   * @param stateDir where clusters' directories are made
   * @param glintHome the Glint installation whose {@code bin/glint} nodes run (null: the one on
   *     PATH)
   */
  public LocalNodeProvider(String clusterName, Path stateDir, Path glintHome) {
    this(clusterName, stateDir, glintHome, null, List.of(), null);
  }

  /**
   * With {@code headIp} set, the nodes are those hosts ({@code head_ip}, {@code worker_ips}),
   * reached over SSH as {@code auth} says; each host's Glint keeps its records in {@code
   * ~/.glint/node-<ip>}, so several nodes may share one account.
   */
  public LocalNodeProvider(
      String clusterName,
      Path stateDir,
      Path glintHome,
      String headIp,
      List<String> workerIps,
      io.glint.cluster.config.AuthConfig auth) {
    this.clusterName = clusterName;
    this.dir = stateDir.resolve(clusterName);
    this.glintHome = glintHome;
    this.headIp = headIp;
    this.workerIps = List.copyOf(workerIps);
    this.auth = auth;
  }

  private boolean hosts() {
    return headIp != null;
  }

  /** The next host of {@code kind} nobody uses, or an error saying all are taken. */
  private String freeHost(State s, String kind) {
    java.util.Set<String> used = new java.util.HashSet<>();
    s.nodes.values().forEach(e -> used.add(e.ip));
    List<String> pool = Tags.KIND_HEAD.equals(kind) ? List.of(headIp) : workerIps;
    for (String ip : pool) {
      if (!used.contains(ip)) {
        return ip;
      }
    }
    throw new IllegalStateException(
        Tags.KIND_HEAD.equals(kind)
            ? "the head host " + headIp + " runs a node of this cluster already"
            : "all " + workerIps.size() + " worker_ips are in use");
  }

  /** 127.A.B: a /24 of loopback addresses of this cluster's own. */
  String subnet() {
    int h = clusterName.hashCode() & 0x7fffffff;
    return "127." + (1 + h % 254) + "." + (1 + (h / 254) % 254);
  }

  /** File locks are per process; threads of one process take this first. */
  private static final Object IN_PROCESS = new Object();

  private <T> T locked(Function<State, T> f) {
    synchronized (IN_PROCESS) {
      return lockedFile(f);
    }
  }

  private <T> T lockedFile(Function<State, T> f) {
    try {
      Files.createDirectories(dir);
      try (FileChannel ch =
              FileChannel.open(
                  dir.resolve("nodes.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        Path file = dir.resolve("nodes.json");
        State s = Files.exists(file) ? JSON.readValue(file.toFile(), State.class) : new State();
        int before = JSON.writeValueAsString(s).hashCode();
        T out = f.apply(s);
        if (JSON.writeValueAsString(s).hashCode() != before || !Files.exists(file)) {
          Path tmp = dir.resolve("nodes.json.tmp");
          JSON.writeValue(tmp.toFile(), s);
          Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return out;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ProviderNode view(String id, Entry e) {
    return new ProviderNode(id, Map.copyOf(e.tags), e.ip, null, e.state);
  }

  @Override
  public List<ProviderNode> nonTerminatedNodes(Map<String, String> filter) {
    return locked(
        s ->
            s.nodes.entrySet().stream()
                .filter(e -> !"terminated".equals(e.getValue().state))
                .filter(e -> e.getValue().tags.entrySet().containsAll(filter.entrySet()))
                .map(e -> view(e.getKey(), e.getValue()))
                .toList());
  }

  @Override
  public List<ProviderNode> createNodes(NodeType type, Map<String, String> tags, int count) {
    List<ProviderNode> made =
        locked(
            s -> {
              List<ProviderNode> out = new ArrayList<>();
              for (int i = 0; i < count; i++) {
                Entry e = new Entry();
                String id;
                if (hosts()) {
                  e.ip = freeHost(s, tags.getOrDefault(Tags.NODE_KIND, Tags.KIND_WORKER));
                  id = clusterName + "-" + e.ip;
                } else {
                  int n = s.next++;
                  if (n > 250) {
                    throw new IllegalStateException(
                        "the local provider runs at most 250 nodes per cluster");
                  }
                  e.ip = subnet() + "." + n;
                  id = clusterName + "-" + n;
                }
                e.type = type.name();
                e.state = "running";
                e.tags.putAll(tags);
                e.tags.put(Tags.NODE_TYPE, type.name());
                s.nodes.put(id, e);
                out.add(view(id, e));
              }
              return out;
            });
    for (ProviderNode n : made) {
      try {
        Files.createDirectories(hosts() ? dir : home(n.id()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return made;
  }

  Path home(String id) {
    return dir.resolve(id);
  }

  @Override
  public void terminateNodes(List<String> ids) {
    for (String id : ids) {
      ProviderNode n = node(id);
      if (n == null) {
        continue;
      }
      // The node's daemons end (and with them its workers and store); then its directory goes
      // (a host keeps its home, but loses what the launcher put there for the head).
      commandRunner(n)
          .run(
              hosts() && n.isHead()
                  ? "glint stop; rm -rf ~/.glint/clusters/"
                      + clusterName
                      + " ~/.glint/bootstrap_mounts ~/glint_bootstrap_config.yaml"
                      + " ~/glint_bootstrap_key.pem"
                  : "glint stop",
              Map.of(),
              Duration.ofSeconds(60));
      if (!hosts()) {
        // A daemon still starting when the node ended (its ready file not written yet, so
        // glint stop missed it) runs from this directory: end it too.
        String dirName = home(id).toString() + "/";
        ProcessHandle.allProcesses()
            .filter(h -> h.info().commandLine().map(c -> c.contains(dirName)).orElse(false))
            .forEach(ProcessHandle::destroyForcibly);
        deleteTree(home(id));
      }
      locked(
          s -> {
            s.nodes.remove(id);
            return null;
          });
    }
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path x : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public int endUnrecorded() {
    if (!hosts()) {
      return 0;
    }
    java.util.Set<String> recorded = new java.util.HashSet<>();
    locked(
        s -> {
          s.nodes.values().forEach(e -> recorded.add(e.ip));
          return null;
        });
    int ended = 0;
    for (String ip : workerIps) {
      if (recorded.contains(ip)) {
        continue;
      }
      ProviderNode n =
          new ProviderNode(
              clusterName + "-" + ip,
              Map.of(Tags.NODE_KIND, Tags.KIND_WORKER),
              ip,
              null,
              "running");
      CommandRunner.Result r = commandRunner(n).run("glint stop", Map.of(), Duration.ofSeconds(60));
      if (r.ok() && r.output().contains("Stopped")) {
        ended++;
      }
    }
    return ended;
  }

  @Override
  public void forgetCluster() {
    boolean empty = locked(s -> s.nodes.isEmpty());
    if (empty) {
      synchronized (IN_PROCESS) {
        deleteTree(dir);
      }
    }
  }

  @Override
  public void setNodeTags(String id, Map<String, String> tags) {
    locked(
        s -> {
          Entry e = s.nodes.get(id);
          if (e != null) {
            e.tags.putAll(tags);
          }
          return null;
        });
  }

  @Override
  public ProviderNode node(String id) {
    return locked(
        s -> {
          Entry e = s.nodes.get(id);
          return e == null ? null : view(id, e);
        });
  }

  @Override
  public CommandRunner commandRunner(ProviderNode node) {
    if (hosts()) {
      Map<String, String> env = new LinkedHashMap<>();
      env.put("GLINT_NODE_IP_ADDRESS", node.internalIp());
      env.put("GLINT_TEMP_DIR", "$HOME/.glint/node-" + node.internalIp());
      Path keyPath = Shell.expandHome(auth.sshPrivateKey());
      return new SshCommandRunner(node.internalIp(), auth.sshPort(), auth.sshUser(), keyPath, env);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GLINT_NODE_IP_ADDRESS", node.internalIp());
    // The head's autoscaler finds this provider's state where the launcher left it.
    env.put("GLINT_CLUSTER_STATE_DIR", dir.getParent().toString());
    if (glintHome != null) {
      env.put("GLINT_HOME", glintHome.toString());
      env.put("PATH", glintHome.resolve("bin") + ":" + System.getenv().getOrDefault("PATH", ""));
    }
    return new LocalCommandRunner(home(node.id()), env);
  }
}
