package io.glint.api;

/**
 * How a placement group's bundles are laid out over nodes (Ray's strategies).
 *
 * <ul>
 *   <li>{@link #PACK}: on as few nodes as possible (one when it can hold them all);
 *   <li>{@link #SPREAD}: over as many nodes as possible, best effort;
 *   <li>{@link #STRICT_PACK}: all on one node, or not at all;
 *   <li>{@link #STRICT_SPREAD}: each bundle on a node of its own, or not at all.
 * </ul>
 */
public enum PlacementStrategy {
  PACK,
  SPREAD,
  STRICT_PACK,
  STRICT_SPREAD
}
