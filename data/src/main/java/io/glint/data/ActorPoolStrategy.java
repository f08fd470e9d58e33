package io.glint.data;

import java.io.Serializable;
import java.util.Map;

/**
 * Runs a {@code mapBatches} step in a fixed pool of {@code size} actors (Ray's {@code
 * concurrency=n}), each holding {@code resources} (1 CPU unless told) for as long as the dataset
 * runs.
 *
 * <pre>{@code
 * ds.mapBatches(Model::new, ActorPoolStrategy.of(2).withResources(Map.of("CPU", 1.0, "GPU", 1.0)), 256)
 * }</pre>
 */
public record ActorPoolStrategy(int size, Map<String, Double> resources, int maxTasksInFlight)
    implements Serializable {
  public ActorPoolStrategy {
    if (size < 1) {
      throw new IllegalArgumentException("an actor pool needs at least one actor, got " + size);
    }
    if (maxTasksInFlight < 1) {
      throw new IllegalArgumentException("maxTasksInFlight must be at least 1");
    }
    resources = Map.copyOf(resources);
  }

  public static ActorPoolStrategy of(int size) {
    return new ActorPoolStrategy(size, Map.of("CPU", 1.0), 2);
  }

  public ActorPoolStrategy withResources(Map<String, Double> resources) {
    return new ActorPoolStrategy(size, resources, maxTasksInFlight);
  }
}
