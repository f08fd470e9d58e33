package io.glint.api.autoscaler;

import io.glint.api.internal.RuntimeRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Asks an autoscaling cluster for room ahead of demand: Ray's {@code
 * ray.autoscaler.sdk.request_resources}. The autoscaler keeps enough nodes for the request to fit
 * at once (on top of what is free, ignoring what runs now), within each node type's {@code
 * max_workers}; each call replaces the last, and an empty one withdraws it.
 *
 * <pre>{@code
 * Autoscaler.requestResources(16);                                  // room for 16 one-CPU tasks
 * Autoscaler.requestResources(List.of(Map.of("CPU", 4.0, "GPU", 1.0)));
 * Autoscaler.requestResources(0);                                   // withdraw
 * }</pre>
 */
public final class Autoscaler {
  private Autoscaler() {}

  /** Room for {@code numCpus} one-CPU bundles. */
  public static void requestResources(int numCpus) {
    if (numCpus < 0) {
      throw new IllegalArgumentException("numCpus must be 0 or more, got " + numCpus);
    }
    requestResources(Collections.nCopies(numCpus, Map.of("CPU", 1.0)));
  }

  /** Room for these bundles at once, each on one node. */
  public static void requestResources(List<Map<String, Double>> bundles) {
    List<Map<String, Double>> copy = new ArrayList<>();
    for (Map<String, Double> b : bundles) {
      for (var e : b.entrySet()) {
        if (e.getValue() == null || e.getValue() < 0 || e.getValue().isNaN()) {
          throw new IllegalArgumentException(
              "bundle " + b + ": " + e.getKey() + " must be 0 or more");
        }
      }
      copy.add(Map.copyOf(b));
    }
    RuntimeRegistry.get().requestResources(copy);
  }
}
