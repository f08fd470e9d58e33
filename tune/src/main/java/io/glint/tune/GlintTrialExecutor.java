package io.glint.tune;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.PlacementGroup;
import io.glint.api.PlacementGroups;
import io.glint.api.PlacementStrategy;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Each trial is an actor holding its resources (Ray Tune's trial actors), in a placement group of
 * its own when the experiment asks: the cluster places it, and the experiment's concurrency follows
 * from how many fit. With actor reuse a trial that ends hands its actor to the next trial; else
 * stopping a trial kills its actor and removes its group.
 */
final class GlintTrialExecutor implements TrialExecutor {
  /** A trial's host actor, and its placement group when it has one. */
  private record Handle(ActorHandle<?> host, PlacementGroup group) {}

  /** How long a stopped trial's trainable may take to end before its host is killed instead. */
  private static final long END_WAIT_MS = 5_000;

  private final TrialActors actors;
  private final Map<String, Double> resources;
  private final List<Map<String, Double>> bundles;
  private final PlacementStrategy strategy;
  private final boolean reuse;

  /** Hosts whose trial ended, holding their resources for the next trial. */
  private final ArrayDeque<ActorHandle<?>> idle = new ArrayDeque<>();

  GlintTrialExecutor(
      TrialActors actors,
      Map<String, Double> resources,
      List<Map<String, Double>> bundles,
      PlacementStrategy strategy,
      boolean reuseActors) {
    this.actors = actors;
    this.resources = new LinkedHashMap<>(resources);
    this.bundles = bundles;
    this.strategy = strategy;
    this.reuse = reuseActors && bundles == null;
  }

  @Override
  public Object start(
      Trial trial, Map<String, Object> config, Checkpoint restoreFrom, int startIteration) {
    ActorHandle<?> host = reuse ? idle.poll() : null;
    PlacementGroup group = null;
    if (host == null) {
      if (bundles != null) {
        group = PlacementGroups.createPlacementGroup(bundles, strategy);
      }
      host = actors.create(resources, group);
    }
    actors.begin(host, config, restoreFrom, startIteration);
    return new Handle(host, group);
  }

  @Override
  public CompletableFuture<TrialRunner.Step> step(Object handle) {
    return actors.step(((Handle) handle).host());
  }

  @Override
  public void stop(Object handle) {
    Handle h = (Handle) handle;
    if (reuse) {
      // The host goes back to the pool once its trainable ended; one that does not end in time
      // (or whose step is still running) is killed, as without reuse.
      boolean ended;
      try {
        ended = Glint.get(actors.end(h.host(), END_WAIT_MS), END_WAIT_MS + 10_000);
      } catch (RuntimeException e) {
        ended = false;
      }
      if (ended) {
        idle.add(h.host());
      } else {
        Glint.kill(h.host());
      }
      return;
    }
    try {
      Glint.kill(h.host());
    } finally {
      if (h.group() != null) {
        PlacementGroups.removePlacementGroup(h.group());
      }
    }
  }

  /** Ends the idle hosts: their resources go back to the cluster. */
  @Override
  public void close() {
    for (ActorHandle<?> h; (h = idle.poll()) != null; ) {
      Glint.kill(h);
    }
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
          "the cluster cannot hold one trial: it asks for "
              + perTrial
              + ", the cluster has "
              + total);
    }
    return n == Integer.MAX_VALUE ? 8 : n;
  }
}
