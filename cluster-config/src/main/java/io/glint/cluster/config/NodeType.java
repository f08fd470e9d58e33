package io.glint.cluster.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * One entry of {@code available_node_types}: what a provider launches ({@code node_config}, read by
 * the provider), what Glint may schedule on it ({@code resources}) and how many worker nodes of
 * this type may run ({@code min_workers}..{@code max_workers}).
 *
 * @param workerSetupCommands this type's own {@code worker_setup_commands}, or null for the
 *     cluster's
 */
public record NodeType(
    String name,
    ObjectNode nodeConfig,
    Map<String, Double> resources,
    Map<String, String> labels,
    int minWorkers,
    int maxWorkers,
    List<String> workerSetupCommands) {

  /** Whether this type can hold {@code shape} on one node (resources it does not list are 0). */
  public boolean fits(Map<String, Double> shape) {
    for (var e : shape.entrySet()) {
      if (e.getValue() > 0 && resources.getOrDefault(e.getKey(), 0.0) + 1e-9 < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
