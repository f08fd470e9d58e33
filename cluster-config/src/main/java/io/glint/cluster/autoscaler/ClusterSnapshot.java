package io.glint.cluster.autoscaler;

import java.util.List;
import java.util.Map;

/**
 * What the autoscaler decides on: the cluster's nodes as the provider and the control service see
 * them, and what waits for resources.
 *
 * @param nodes every node of the cluster, head included
 * @param demands one shape per waiting task lease, actor and placement-group bundle (a STRICT_PACK
 *     group is one shape; a STRICT_SPREAD group's bundles each need a node of their own and come in
 *     {@link #spreadGroups})
 * @param spreadGroups the bundles of waiting STRICT_SPREAD groups, one list per group
 * @param requested what {@code requestResources} asked the cluster to be able to hold at once
 */
public record ClusterSnapshot(
    List<Node> nodes,
    List<Map<String, Double>> demands,
    List<List<Map<String, Double>>> spreadGroups,
    List<Map<String, Double>> requested) {

  /** The state of one node in the autoscaler's eyes. */
  public enum Phase {
    /** Launched or being set up; not yet in the cluster. */
    PENDING,
    /** Registered with the control service. */
    RUNNING,
    /** Set-up failed. */
    FAILED
  }

  /**
   * One node.
   *
   * @param id the provider's id
   * @param type its node type
   * @param head whether it is the head
   * @param total its resources (its type's while pending)
   * @param available what is free on it now (its total while pending)
   * @param idleMillis how long it has been wholly free (0 when busy or pending)
   * @param phaseMillis how long it has been in its phase
   */
  public record Node(
      String id,
      String type,
      boolean head,
      Phase phase,
      Map<String, Double> total,
      Map<String, Double> available,
      long idleMillis,
      long phaseMillis) {}
}
