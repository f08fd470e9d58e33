package io.glint.internal.runtime.cluster;

import io.glint.internal.proto.Address;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.control.ControlServer;
import io.glint.internal.runtime.node.NodeDaemon;
import io.glint.internal.store.SharedMemoryStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A control service and node daemons in this process, on ephemeral loopback ports: the embedded
 * cluster of {@code Glint.init()} and the base of the test cluster. Daemons still talk gRPC and
 * workers are still separate processes.
 */
public final class LocalCluster implements AutoCloseable {
  /** One node's resources, labels and object store size. */
  public record NodeSpec(ResourceSet resources, Map<String, String> labels, long objectStoreBytes) {
    public NodeSpec(ResourceSet resources, Map<String, String> labels) {
      this(resources, labels, NodeResources.defaultObjectStoreBytes());
    }
  }

  private final String host;
  private final String token;
  private final Path sessionDir;
  private final Path storeRoot;
  private final ControlServer control;
  private final Address controlAddress;
  private final CopyOnWriteArrayList<NodeDaemon> nodes = new CopyOnWriteArrayList<>();

  /** Started with the cluster (its dashboard), closed before it. */
  private final CopyOnWriteArrayList<AutoCloseable> companions = new CopyOnWriteArrayList<>();

  private LocalCluster(
      String host,
      String token,
      Path sessionDir,
      Path storeRoot,
      ControlServer c,
      Address controlAddress) {
    this.host = host;
    this.token = token;
    this.sessionDir = sessionDir;
    this.storeRoot = storeRoot;
    this.control = c;
    this.controlAddress = controlAddress;
  }

  /**
   * In-process node daemons of a cluster whose control service runs elsewhere (a {@link
   * ControlProcess}); none are started yet.
   */
  public static LocalCluster attach(
      String host, String token, Path sessionDir, Path storeRoot, Address controlAddress) {
    return new LocalCluster(host, token, sessionDir, storeRoot, null, controlAddress);
  }

  public static LocalCluster start(
      String host, String token, Path sessionDir, List<NodeSpec> specs) {
    return start(host, token, sessionDir, SharedMemoryStore.defaultRoot(storeBytes(specs)), specs);
  }

  /** The memory the nodes' stores may use in all. */
  public static long storeBytes(List<NodeSpec> specs) {
    return specs.stream().mapToLong(NodeSpec::objectStoreBytes).sum();
  }

  public static LocalCluster start(
      String host, String token, Path sessionDir, Path storeRoot, List<NodeSpec> specs) {
    return start(host, token, sessionDir, storeRoot, specs, 30_000);
  }

  /** As above, with nodes declared dead after {@code nodeTimeoutMs} without a report. */
  public static LocalCluster start(
      String host,
      String token,
      Path sessionDir,
      Path storeRoot,
      List<NodeSpec> specs,
      long nodeTimeoutMs) {
    ControlServer c = ControlServer.start(host, token, java.time.Clock.systemUTC(), nodeTimeoutMs);
    LocalCluster lc = new LocalCluster(host, token, sessionDir, storeRoot, c, c.address());
    try {
      for (NodeSpec s : specs) {
        lc.addNode(s);
      }
      return lc;
    } catch (RuntimeException e) {
      lc.close();
      throw e;
    }
  }

  public NodeDaemon addNode(NodeSpec spec) {
    int cpus = (int) Math.max(1, Math.ceil(spec.resources().get(ResourceSet.CPU)));
    NodeDaemon d =
        NodeDaemon.start(
            new NodeDaemon.Options(
                host,
                spec.resources(),
                controlAddress,
                token,
                sessionDir,
                storeRoot,
                Math.max(2, cpus),
                spec.labels(),
                spec.objectStoreBytes()));
    nodes.add(d);
    return d;
  }

  /** Stops a node abruptly: its workers die with it. */
  public void killNode(NodeDaemon node) {
    nodes.remove(node);
    node.close();
  }

  public List<NodeDaemon> nodes() {
    return List.copyOf(nodes);
  }

  public NodeDaemon head() {
    return nodes.get(0);
  }

  public Address controlAddress() {
    return controlAddress;
  }

  public String token() {
    return token;
  }

  public Path sessionDir() {
    return sessionDir;
  }

  /** Worker process ids over all nodes. */
  public List<Long> workerPids() {
    List<Long> pids = new ArrayList<>();
    for (NodeDaemon n : nodes) {
      pids.addAll(n.workerPids());
    }
    return pids;
  }

  /** Closes {@code c} when the cluster closes, before its nodes. */
  public void own(AutoCloseable c) {
    companions.add(c);
  }

  @Override
  public void close() {
    for (AutoCloseable c : companions) {
      try {
        c.close();
      } catch (Exception e) {
        // closing anyway
      }
    }
    companions.clear();
    for (NodeDaemon n : nodes) {
      n.close();
    }
    nodes.clear();
    if (control != null) {
      control.close();
    }
  }
}
