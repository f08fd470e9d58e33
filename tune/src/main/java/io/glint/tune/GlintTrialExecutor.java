package io.glint.tune;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.PlacementGroup;
import io.glint.api.PlacementGroups;
import io.glint.api.PlacementStrategy;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Each trial is an actor holding its resources (Ray Tune's trial actors): the cluster places it,
 * and the experiment's concurrency follows from how many fit. Stopping a trial kills its actor.
 */
final class GlintTrialExecutor implements TrialExecutor {
  private final Trainable trainable;
  private final Map<String, Double> resources;

  GlintTrialExecutor(Trainable trainable, Map<String, Double> resources) {
    this.trainable = trainable;
    this.resources = new LinkedHashMap<>(resources);
  }

  @Override
  public Object start(
      Trial trial, Map<String, Object> config, Checkpoint restoreFrom, int startIteration) {
    return Glint.actor(TrialRunner::new, trainable, config, restoreFrom, startIteration)
        .setResources(resources)
        .remote();
  }

  @Override
  @SuppressWarnings("unchecked")
  public CompletableFuture<TrialRunner.Step> step(Object handle) {
    return ((ActorHandle<TrialRunner>) handle)
        .task(TrialRunner::step)
        .remote()
        .toCompletableFuture();
  }

  @Override
  @SuppressWarnings("unchecked")
  public void stop(Object handle) {
    Glint.kill((ActorHandle<TrialRunner>) handle);
  }

  /** As many trials as the cluster's resources hold at once. */
  @Override
  public int defaultConcurrency() {
    Map<String, Double> total = Glint.clusterResources();
    Map<String, Double> perTrial = new LinkedHashMap<>();
    for (Map<String, Double> b : bundles == null ? List.of(resources) : bundles) {
      b.forEach((k, v) -> perTrial.merge(k, v, Double::sum));
    }
    int n = Integer.MAX_VALUE;
    for (Map.Entry<String, Double> r : perTrial.entrySet()) {
      if (r.getValue() > 0) {
        n = Math.min(n, (int) Math.floor(total.getOrDefault(r.getKey(), 0.0) / r.getValue()));
      }
    }
    if (n == 0) {
      throw new IllegalArgumentException(
          "no node of the cluster has the resources a trial asks for: "
              + resources
              + " (cluster: "
              + total
              + ")");
    }
    return n == Integer.MAX_VALUE ? 8 : n;
  }
}
