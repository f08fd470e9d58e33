package io.glint.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A gang reservation of resource bundles across the cluster: every bundle is reserved, or none is.
 * Work scheduled into a bundle ({@code setPlacementGroup(pg, index)}) runs on that bundle's node
 * and uses only its resources; nothing else can use them.
 *
 * <pre>{@code
 * PlacementGroup pg =
 *     PlacementGroups.createPlacementGroup(
 *         List.of(Map.of("CPU", 4.0), Map.of("CPU", 4.0), Map.of("CPU", 4.0)),
 *         PlacementStrategy.PACK);
 * Glint.get(pg.ready());
 * for (int i = 0; i < 3; i++) {
 *   Glint.actor(Trainer::new).setPlacementGroup(pg, i).remote();
 * }
 * PlacementGroups.removePlacementGroup(pg);
 * }</pre>
 */
public interface PlacementGroup {
  /** The group's id, as hex. */
  String id();

  Optional<String> name();

  List<Map<String, Double>> bundles();

  PlacementStrategy strategy();

  /**
   * A ref that becomes ready (true) once every bundle is reserved; fails if the group is removed.
   */
  ObjectRef<Boolean> ready();

  /** Waits up to {@code timeoutSeconds} for the group to be created; whether it is (Ray's). */
  default boolean wait(int timeoutSeconds) {
    return waitMillis(timeoutSeconds * 1000L);
  }

  /** Waits up to {@code timeoutMs} for the group to be created; whether it is. */
  boolean waitMillis(long timeoutMs);
}
