package io.glint.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Placement groups, with Ray's names ({@code ray.util.placement_group}).
 *
 * <pre>{@code
 * PlacementGroup pg = PlacementGroups.createPlacementGroup(
 *     List.of(Map.of("CPU", 4.0), Map.of("CPU", 4.0)), PlacementStrategy.SPREAD);
 * pg.wait(60);
 * for (PlacementGroups.TableEntry e : PlacementGroups.placementGroupTable()) {
 *   System.out.println(e.name() + " " + e.state() + " " + e.bundleNodeIds());
 * }
 * PlacementGroups.removePlacementGroup(pg);
 * }</pre>
 */
public final class PlacementGroups {
  private PlacementGroups() {}

  /** What {@link #placementGroupTable()} says of a group. */
  public record TableEntry(
      String id,
      Optional<String> name,
      PlacementStrategy strategy,
      State state,
      List<Map<String, Double>> bundles,
      List<String> bundleNodeIds,
      String pendingReason) {}

  /** Where a group stands. */
  public enum State {
    /** Waiting for room (see the table's pending reason). */
    PENDING,
    /** Every bundle is reserved. */
    CREATED,
    /** A node holding bundles died; being placed again. */
    RESCHEDULING,
    REMOVED
  }

  /** Creates a group (returns at once; see {@link PlacementGroup#ready()}). */
  public static PlacementGroup createPlacementGroup(
      List<Map<String, Double>> bundles, PlacementStrategy strategy) {
    return createPlacementGroup(
        PlacementGroupCreationOptions.builder().setBundles(bundles).setStrategy(strategy).build());
  }

  public static PlacementGroup createPlacementGroup(PlacementGroupCreationOptions options) {
    return Glint.runtime().createPlacementGroup(options);
  }

  /** Removes a group: its actors end, its tasks are cancelled, its bundles are given back. */
  public static void removePlacementGroup(PlacementGroup group) {
    Glint.runtime().removePlacementGroup(group);
  }

  /** A group by its name. */
  public static Optional<PlacementGroup> getPlacementGroup(String name) {
    return Glint.runtime().getPlacementGroup(name);
  }

  /** Every group of the cluster. */
  public static List<TableEntry> placementGroupTable() {
    return Glint.runtime().placementGroupTable();
  }
}
