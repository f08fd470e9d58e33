package io.glint.tune;

import io.glint.api.ActorCreator;
import io.glint.api.ActorHandle;
import io.glint.api.ObjectRef;
import io.glint.api.PlacementGroup;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How a trial's host actor is made and driven: Java's {@link TrialHost} for a {@link Trainable}, or
 * Python's {@code glint.tune._trial.TrialHost} for a Python trainable ({@link PythonTrialActors}).
 * Either host runs one trial after another in lockstep with the experiment.
 */
interface TrialActors {
  /** A new host with the trial's resources, in bundle 0 of {@code group} when there is one. */
  ActorHandle<?> create(Map<String, Double> resources, PlacementGroup group);

  /** Starts a trial on the host (its previous trial has ended). */
  void begin(
      ActorHandle<?> host, Map<String, Object> config, Checkpoint restoreFrom, int startIteration);

  /** Lets the host's trial run to its next report. */
  CompletableFuture<TrialRunner.Step> step(ActorHandle<?> host);

  /** Stops the host's trial: whether it ended within {@code waitMillis} (then reuse is safe). */
  ObjectRef<Boolean> end(ActorHandle<?> host, long waitMillis);

  /**
   * Starts a host with the trial's resources, in bundle 0 of {@code group} when there is one (its
   * tasks and actors in the group too).
   */
  static <A> ActorHandle<A> start(
      ActorCreator<A> creator, Map<String, Double> resources, PlacementGroup group) {
    creator.setResources(resources);
    if (group != null) {
      creator.setPlacementGroup(group, 0, true);
    }
    return creator.remote();
  }
}
