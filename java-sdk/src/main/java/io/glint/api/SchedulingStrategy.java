package io.glint.api;

import java.util.Objects;

/**
 * Where a task or actor may run, Ray's scheduling strategies:
 *
 * <ul>
 *   <li>{@link #defaultStrategy()}: the node it was submitted from while it has room (or the node
 *       holding most of its arguments), else another node with room;
 *   <li>{@link #spread()}: spread over the cluster's nodes;
 *   <li>{@link #nodeAffinity(String, boolean)}: on one node, by id ({@link
 *       RuntimeContext#getNodeId()}, {@link Glint#nodes()}); when that node is dead or cannot hold
 *       it, a hard affinity fails with a typed error and a soft one falls back to the default.
 * </ul>
 *
 * <pre>{@code
 * Glint.task(Fns::work, x).setSchedulingStrategy(SchedulingStrategy.spread()).remote();
 * Glint.task(Fns::work, x).setSchedulingStrategy(SchedulingStrategy.nodeAffinity(id, true)).remote();
 * }</pre>
 */
public sealed interface SchedulingStrategy
    permits SchedulingStrategy.Default,
        SchedulingStrategy.Spread,
        SchedulingStrategy.NodeAffinity,
        SchedulingStrategy.InPlacementGroup {
  /** The default strategy. */
  static SchedulingStrategy defaultStrategy() {
    return Default.INSTANCE;
  }

  /** Spread tasks or actors over the nodes. */
  static SchedulingStrategy spread() {
    return Spread.INSTANCE;
  }

  /** Run on the node with id {@code nodeId}; {@code soft}: elsewhere when it cannot. */
  static SchedulingStrategy nodeAffinity(String nodeId, boolean soft) {
    return new NodeAffinity(nodeId, soft);
  }

  /**
   * Run in bundle {@code bundleIndex} (-1: any bundle) of a placement group; with {@code
   * captureChildTasks}, the tasks it submits run in the group too.
   */
  static SchedulingStrategy placementGroup(
      PlacementGroup group, int bundleIndex, boolean captureChildTasks) {
    return new InPlacementGroup(group, bundleIndex, captureChildTasks);
  }

  /** See {@link #placementGroup(PlacementGroup, int, boolean)}. */
  record InPlacementGroup(PlacementGroup group, int bundleIndex, boolean captureChildTasks)
      implements SchedulingStrategy {
    public InPlacementGroup {
      Objects.requireNonNull(group, "group");
      if (bundleIndex < -1 || bundleIndex >= group.bundles().size()) {
        throw new IllegalArgumentException(
            "bundle index "
                + bundleIndex
                + " is out of range: the placement group has "
                + group.bundles().size()
                + " bundles (-1: any)");
      }
    }
  }

  /** See {@link #defaultStrategy()}. */
  enum Default implements SchedulingStrategy {
    INSTANCE
  }

  /** See {@link #spread()}. */
  enum Spread implements SchedulingStrategy {
    INSTANCE
  }

  /** See {@link #nodeAffinity(String, boolean)}. */
  record NodeAffinity(String nodeId, boolean soft) implements SchedulingStrategy {
    public NodeAffinity {
      Objects.requireNonNull(nodeId, "nodeId");
      if (!nodeId.matches("[0-9a-f]+")) {
        throw new IllegalArgumentException(
            "a node id is the hex string RuntimeContext.getNodeId() or Glint.nodes() gives, got '"
                + nodeId
                + "'");
      }
    }
  }
}
