package io.glint.internal.runtime.control;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Bundle;
import io.glint.internal.proto.CancelBundlesRequest;
import io.glint.internal.proto.CommitBundlesReply;
import io.glint.internal.proto.CommitBundlesRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.PlacementGroupInfo;
import io.glint.internal.proto.PlacementGroupSpec;
import io.glint.internal.proto.PlacementGroupState;
import io.glint.internal.proto.PrepareBundlesReply;
import io.glint.internal.proto.PrepareBundlesRequest;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Placement groups, as Ray's GCS schedules them: a group's bundles are planned onto nodes by its
 * strategy (PACK, SPREAD, STRICT_PACK, STRICT_SPREAD), then reserved in two phases: every node
 * prepares its bundles, and only when all did do they commit (else the prepared ones are given back
 * and the group waits). A group that cannot be placed stays pending, and is tried again when nodes
 * join, groups are removed, and every second. When a node holding bundles dies, the group is
 * rescheduled.
 */
final class PlacementGroupManager {
  private static final System.Logger LOG = System.getLogger(PlacementGroupManager.class.getName());

  /** What the manager needs of the control service. */
  interface Cluster {
    List<NodeInfo> aliveNodes();

    /**
     * A group was created on these nodes: each node's total and free resources as the node reported
     * them right after the commit (bundles counted once, whatever reports crossed).
     */
    void groupCommitted(ByteString group, Map<ByteString, CommitBundlesReply> committedPerNode);

    /** A group is gone: end the actors placed in it. */
    void groupRemoved(ByteString group);
  }

  private final class Group {
    final PlacementGroupSpec spec;
    PlacementGroupState state = PlacementGroupState.PLACEMENT_GROUP_STATE_PENDING;
    List<ByteString> bundleNodes = List.of();
    String reason = "not scheduled yet";
    boolean scheduling;
    final List<CompletableFuture<PlacementGroupInfo>> waiters = new ArrayList<>();

    Group(PlacementGroupSpec spec) {
      this.spec = spec;
    }

    PlacementGroupInfo info() {
      return PlacementGroupInfo.newBuilder()
          .setSpec(spec)
          .setState(state)
          .addAllBundleNodeIds(bundleNodes)
          .setPendingReason(
              state == PlacementGroupState.PLACEMENT_GROUP_STATE_CREATED
                      || state == PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED
                  ? ""
                  : reason)
          .build();
    }
  }

  private final Cluster cluster;
  private final ChannelPool channels;
  private final ScheduledExecutorService timer;
  private final Executor executor;
  private final ControlState state;

  /**
   * Placement runs on one thread, group after group (as in Ray's GCS): plans see the bundles placed
   * just before, and a burst of groups does not become a burst of threads.
   */
  private final java.util.concurrent.ExecutorService placer =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "glint-placement-groups");
            t.setDaemon(true);
            return t;
          });

  // Guarded by this.
  private final Map<ByteString, Group> groups = new LinkedHashMap<>();
  private final Map<String, ByteString> names = new HashMap<>();

  PlacementGroupManager(
      Cluster cluster,
      ChannelPool channels,
      ScheduledExecutorService timer,
      Executor executor,
      ControlState state) {
    this.state = state;
    this.cluster = cluster;
    this.channels = channels;
    this.timer = timer;
    this.executor = executor;
    timer.scheduleWithFixedDelay(this::retryPending, 1, 1, TimeUnit.SECONDS);
  }

  /** Registers a group and starts placing it; an error text when refused. */
  String create(PlacementGroupSpec spec) {
    Group g;
    synchronized (this) {
      if (groups.containsKey(spec.getPlacementGroupId())) {
        return "";
      }
      if (spec.getBundlesCount() == 0) {
        return "a placement group needs at least one bundle";
      }
      if (!spec.getName().isEmpty()) {
        ByteString other = names.get(spec.getName());
        if (other != null
            && groups.get(other).state != PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED) {
          return "the placement group name '" + spec.getName() + "' is already taken";
        }
        names.put(spec.getName(), spec.getPlacementGroupId());
      }
      g = new Group(spec);
      groups.put(spec.getPlacementGroupId(), g);
      state.group(g.info());
    }
    placer.execute(() -> schedule(g));
    return "";
  }

  /**
   * Takes back the groups a restarted control service found in storage: created ones keep their
   * bundles (the nodes still hold them), the others are placed again.
   */
  void recover(List<PlacementGroupInfo> stored) {
    synchronized (this) {
      for (PlacementGroupInfo info : stored) {
        Group g = new Group(info.getSpec());
        g.state = info.getState();
        g.bundleNodes = List.copyOf(info.getBundleNodeIdsList());
        g.reason = "the control service restarted; placing it again";
        groups.put(info.getSpec().getPlacementGroupId(), g);
        if (!info.getSpec().getName().isEmpty()) {
          names.put(info.getSpec().getName(), info.getSpec().getPlacementGroupId());
        }
      }
    }
    retryPending();
  }

  /** Tries every group that waits for room (a node joined, resources were freed). */
  void retryPending() {
    List<Group> waiting = new ArrayList<>();
    synchronized (this) {
      for (Group g : groups.values()) {
        if (!g.scheduling
            && (g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_PENDING
                || g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_RESCHEDULING)) {
          waiting.add(g);
        }
      }
    }
    for (Group g : waiting) {
      placer.execute(() -> schedule(g));
    }
  }

  private void schedule(Group g) {
    synchronized (this) {
      if (g.scheduling
          || g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_CREATED
          || g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED) {
        return;
      }
      g.scheduling = true;
    }
    try {
      place(g);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "placing a placement group failed: " + e);
      synchronized (this) {
        g.reason = "placement failed: " + e.getMessage();
      }
    } finally {
      synchronized (this) {
        g.scheduling = false;
      }
    }
  }

  /** One attempt: plan, prepare everywhere, commit everywhere (or give back and wait). */
  private void place(Group g) {
    List<NodeInfo> nodes = cluster.aliveNodes();
    // Bundles still held (after a node died, only its bundles are placed again) and those to place.
    List<ByteString> held;
    synchronized (this) {
      held = g.bundleNodes;
    }
    List<Integer> missing = new ArrayList<>();
    Set<ByteString> kept = new HashSet<>();
    for (int i = 0; i < g.spec.getBundlesCount(); i++) {
      if (held.isEmpty() || held.get(i).isEmpty()) {
        missing.add(i);
      } else {
        kept.add(held.get(i));
      }
    }
    List<ResourceSet> bundles =
        missing.stream().map(i -> ResourceSet.fromProto(g.spec.getBundles(i))).toList();
    String[] why = {null};
    List<NodeInfo> plan = plan(g.spec.getStrategy(), bundles, nodes, kept, why);
    if (plan == null) {
      synchronized (this) {
        g.reason = why[0];
      }
      return;
    }
    Map<ByteString, List<Bundle>> byNode = new LinkedHashMap<>();
    Map<ByteString, NodeInfo> nodeById = new HashMap<>();
    for (int k = 0; k < plan.size(); k++) {
      NodeInfo n = plan.get(k);
      nodeById.put(n.getNodeId(), n);
      byNode
          .computeIfAbsent(n.getNodeId(), x -> new ArrayList<>())
          .add(
              Bundle.newBuilder()
                  .setIndex(missing.get(k))
                  .setResources(bundles.get(k).toProto())
                  .build());
    }
    List<NodeInfo> prepared = new ArrayList<>();
    String failure = null;
    for (var e : byNode.entrySet()) {
      NodeInfo n = nodeById.get(e.getKey());
      try {
        PrepareBundlesReply r =
            NodeServiceGrpc.newBlockingStub(channels.get(n.getAddress()))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .prepareBundles(
                    PrepareBundlesRequest.newBuilder()
                        .setPlacementGroupId(g.spec.getPlacementGroupId())
                        .addAllBundles(e.getValue())
                        .build());
        if (!r.getPrepared()) {
          failure = r.getWhyNot();
          break;
        }
        prepared.add(n);
      } catch (StatusRuntimeException ex) {
        failure = "node " + Ids.shortHex(n.getNodeId()) + " unreachable: " + ex.getStatus();
        break;
      }
    }
    boolean removed;
    synchronized (this) {
      removed = g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED;
    }
    if (failure != null || removed) {
      for (NodeInfo n : prepared) {
        cancel(n, g.spec.getPlacementGroupId());
      }
      synchronized (this) {
        g.reason = failure != null ? failure : "removed";
      }
      return;
    }
    Map<ByteString, CommitBundlesReply> committed = new HashMap<>();
    for (NodeInfo n : prepared) {
      committed.put(
          n.getNodeId(),
          NodeServiceGrpc.newBlockingStub(channels.get(n.getAddress()))
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .commitBundles(
                  CommitBundlesRequest.newBuilder()
                      .setPlacementGroupId(g.spec.getPlacementGroupId())
                      .build()));
    }
    List<CompletableFuture<PlacementGroupInfo>> wake;
    PlacementGroupInfo info;
    synchronized (this) {
      List<ByteString> placed =
          new ArrayList<>(
              held.isEmpty()
                  ? java.util.Collections.nCopies(g.spec.getBundlesCount(), ByteString.EMPTY)
                  : held);
      for (int k = 0; k < plan.size(); k++) {
        placed.set(missing.get(k), plan.get(k).getNodeId());
      }
      g.state = PlacementGroupState.PLACEMENT_GROUP_STATE_CREATED;
      g.bundleNodes = List.copyOf(placed);
      info = g.info();
      state.group(info);
      wake = new ArrayList<>(g.waiters);
      g.waiters.clear();
    }
    cluster.groupCommitted(g.spec.getPlacementGroupId(), committed);
    wake.forEach(w -> w.complete(info));
    LOG.log(
        System.Logger.Level.DEBUG,
        () -> "placement group " + Ids.shortHex(g.spec.getPlacementGroupId()) + " created");
  }

  /**
   * Bundle {@code i} → node, by strategy, against the nodes' free resources; null (and why) when
   * the group cannot be placed now. {@code kept} are the nodes that still hold the group's other
   * bundles (when only some are placed again): packing prefers them, STRICT_PACK needs them,
   * spreading avoids them.
   */
  static List<NodeInfo> plan(
      io.glint.internal.proto.PlacementStrategy strategy,
      List<ResourceSet> bundles,
      List<NodeInfo> nodes,
      Set<ByteString> kept,
      String[] why) {
    if (nodes.isEmpty()) {
      why[0] = "the cluster has no live node";
      return null;
    }
    Map<ByteString, ResourceSet> free = new LinkedHashMap<>();
    List<NodeInfo> order = new ArrayList<>(nodes);
    // Nodes holding the group's other bundles first (packing joins them), then most free CPU,
    // then by id: packing fills the roomiest node, spreading starts there.
    order.sort(
        Comparator.comparing((NodeInfo n) -> !kept.contains(n.getNodeId()))
            .thenComparingDouble(
                (NodeInfo n) -> -ResourceSet.fromProto(n.getAvailable()).get(ResourceSet.CPU))
            .thenComparing(n -> Ids.hex(n.getNodeId())));
    if (strategy == io.glint.internal.proto.PlacementStrategy.PLACEMENT_STRATEGY_STRICT_PACK
        && !kept.isEmpty()) {
      order.removeIf(n -> !kept.contains(n.getNodeId()));
    }
    for (NodeInfo n : order) {
      free.put(n.getNodeId(), ResourceSet.fromProto(n.getAvailable()));
    }
    ResourceSet all = bundles.stream().reduce(ResourceSet.EMPTY, ResourceSet::plus);
    switch (strategy) {
      case PLACEMENT_STRATEGY_STRICT_PACK -> {
        for (NodeInfo n : order) {
          if (all.fitsIn(free.get(n.getNodeId()))) {
            return bundles.stream().map(b -> n).toList();
          }
        }
        why[0] = "STRICT_PACK: no node has " + all.describe() + " free";
        return null;
      }
      case PLACEMENT_STRATEGY_PACK -> {
        // One node if any can hold everything; else fill the roomiest nodes in turn.
        for (NodeInfo n : order) {
          if (all.fitsIn(free.get(n.getNodeId()))) {
            return bundles.stream().map(b -> n).toList();
          }
        }
        List<NodeInfo> out = new ArrayList<>();
        for (ResourceSet b : bundles) {
          NodeInfo chosen = null;
          for (NodeInfo n : order) {
            if (b.fitsIn(free.get(n.getNodeId()))) {
              chosen = n;
              break;
            }
          }
          if (chosen == null) {
            why[0] = "PACK: no node has " + b.describe() + " free for a bundle";
            return null;
          }
          free.put(chosen.getNodeId(), free.get(chosen.getNodeId()).minus(b));
          out.add(chosen);
        }
        return out;
      }
      default -> {
        boolean strict =
            strategy == io.glint.internal.proto.PlacementStrategy.PLACEMENT_STRATEGY_STRICT_SPREAD;
        int total = bundles.size() + kept.size();
        if (strict && total > nodes.size()) {
          why[0] =
              "STRICT_SPREAD: "
                  + total
                  + " bundles need as many nodes; the cluster has "
                  + nodes.size();
          return null;
        }
        List<NodeInfo> out = new ArrayList<>();
        Set<ByteString> used = new HashSet<>(kept);
        // Spreading starts on a node without the group's bundles.
        order.sort(Comparator.comparing((NodeInfo n) -> kept.contains(n.getNodeId())));
        int next = 0;
        for (ResourceSet b : bundles) {
          NodeInfo chosen = null;
          // A node not used yet (in turn), else (SPREAD only) any node with room.
          for (int k = 0; k < order.size() && chosen == null; k++) {
            NodeInfo n = order.get((next + k) % order.size());
            if (!used.contains(n.getNodeId()) && b.fitsIn(free.get(n.getNodeId()))) {
              chosen = n;
              next = (next + k + 1) % order.size();
            }
          }
          for (int k = 0; !strict && k < order.size() && chosen == null; k++) {
            NodeInfo n = order.get(k);
            if (b.fitsIn(free.get(n.getNodeId()))) {
              chosen = n;
            }
          }
          if (chosen == null) {
            why[0] =
                (strict ? "STRICT_SPREAD" : "SPREAD")
                    + ": no "
                    + (strict ? "other " : "")
                    + "node has "
                    + b.describe()
                    + " free for a bundle";
            return null;
          }
          free.put(chosen.getNodeId(), free.get(chosen.getNodeId()).minus(b));
          used.add(chosen.getNodeId());
          out.add(chosen);
        }
        return out;
      }
    }
  }

  private void cancel(NodeInfo n, ByteString group) {
    try {
      NodeServiceGrpc.newBlockingStub(channels.get(n.getAddress()))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .cancelBundles(CancelBundlesRequest.newBuilder().setPlacementGroupId(group).build());
    } catch (StatusRuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "cancel bundles on a node failed: " + e.getStatus());
    }
  }

  /** Removes a group: its bundles are given back on every node, its actors end. */
  void remove(ByteString id) {
    Group g;
    List<ByteString> bundleNodes;
    List<CompletableFuture<PlacementGroupInfo>> wake;
    synchronized (this) {
      g = groups.get(id);
      if (g == null || g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED) {
        return;
      }
      // A group not fully placed may be preparing bundles on any node.
      bundleNodes =
          g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_CREATED ? g.bundleNodes : List.of();
      g.state = PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED;
      g.bundleNodes = List.of();
      names.remove(g.spec.getName(), id);
      state.groupGone(id);
      wake = new ArrayList<>(g.waiters);
      g.waiters.clear();
    }
    PlacementGroupInfo info = g.info();
    wake.forEach(w -> w.complete(info));
    // Its actors are told to end before the caller hears back (as Ray's removal does); the
    // bundles are given back in the background.
    cluster.groupRemoved(id);
    executor.execute(
        () -> {
          List<NodeInfo> holders = new ArrayList<>();
          Set<ByteString> had = new HashSet<>(bundleNodes);
          for (NodeInfo n : cluster.aliveNodes()) {
            // Nodes that held its bundles, and (had it not been placed yet) every node, since a
            // placement may be preparing on any of them.
            if (had.isEmpty() || had.contains(n.getNodeId())) {
              holders.add(n);
            }
          }
          for (NodeInfo n : holders) {
            cancel(n, id);
          }
          retryPending();
        });
  }

  /** The job is over: its groups go (detached ones stay). */
  void jobFinished(ByteString job) {
    List<ByteString> ids = new ArrayList<>();
    synchronized (this) {
      for (Group g : groups.values()) {
        if (g.spec.getJobId().equals(job) && !g.spec.getDetached()) {
          ids.add(g.spec.getPlacementGroupId());
        }
      }
    }
    ids.forEach(this::remove);
  }

  /**
   * A node died: the bundles it held are placed again (state RESCHEDULING until they are); the
   * group's other bundles, and the work running in them, stay where they are (as in Ray).
   */
  void nodeDied(ByteString nodeId) {
    List<Group> hit = new ArrayList<>();
    synchronized (this) {
      for (Group g : groups.values()) {
        if (g.bundleNodes.contains(nodeId)
            && g.state != PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED) {
          g.state = PlacementGroupState.PLACEMENT_GROUP_STATE_RESCHEDULING;
          g.reason =
              "node "
                  + Ids.shortHex(nodeId)
                  + " holding some of its bundles died; placing them again";
          g.bundleNodes =
              g.bundleNodes.stream().map(n -> n.equals(nodeId) ? ByteString.EMPTY : n).toList();
          state.group(g.info());
          hit.add(g);
        }
      }
    }
    for (Group g : hit) {
      placer.execute(() -> schedule(g));
    }
  }

  void close() {
    placer.shutdownNow();
  }

  /** Completes when the group is created or removed, or after the timeout with its state. */
  synchronized CompletableFuture<PlacementGroupInfo> await(ByteString id, long timeoutMs) {
    Group g = groups.get(id);
    if (g == null) {
      return CompletableFuture.completedFuture(
          PlacementGroupInfo.newBuilder()
              .setState(PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED)
              .setPendingReason("the cluster knows no placement group " + Ids.shortHex(id))
              .build());
    }
    if (g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_CREATED
        || g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED) {
      return CompletableFuture.completedFuture(g.info());
    }
    CompletableFuture<PlacementGroupInfo> f = new CompletableFuture<>();
    g.waiters.add(f);
    timer.schedule(
        () -> {
          synchronized (this) {
            if (g.waiters.remove(f)) {
              f.complete(g.info());
            }
          }
        },
        Math.max(1, timeoutMs),
        TimeUnit.MILLISECONDS);
    return f;
  }

  /** Groups by id or name (both empty: all). */
  synchronized List<PlacementGroupInfo> find(ByteString id, String name) {
    List<PlacementGroupInfo> out = new ArrayList<>();
    for (Group g : groups.values()) {
      if ((!id.isEmpty() && !g.spec.getPlacementGroupId().equals(id))
          || (!name.isEmpty()
              && (!g.spec.getName().equals(name)
                  || g.state == PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED))) {
        continue;
      }
      out.add(g.info());
    }
    return out;
  }
}
