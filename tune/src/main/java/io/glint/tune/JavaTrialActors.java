package io.glint.tune;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.PlacementGroup;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Trials of a Java or Kotlin {@link Trainable}, on {@link TrialHost} actors. */
final class JavaTrialActors implements TrialActors {
  private final Trainable trainable;

  JavaTrialActors(Trainable trainable) {
    this.trainable = trainable;
  }

  @Override
  public ActorHandle<?> create(Map<String, Double> resources, PlacementGroup group) {
    return TrialActors.start(Glint.actor(TrialHost::new), resources, group);
  }

  @Override
  public void begin(
      ActorHandle<?> host, Map<String, Object> config, Checkpoint restoreFrom, int startIteration) {
    host(host).task(TrialHost::begin, trainable, config, restoreFrom, startIteration).remote();
  }

  @Override
  public CompletableFuture<TrialRunner.Step> step(ActorHandle<?> host) {
    return host(host).task(TrialHost::step).remote().toCompletableFuture();
  }

  @Override
  public ObjectRef<Boolean> end(ActorHandle<?> host, long waitMillis) {
    return host(host).task(TrialHost::end, waitMillis).remote();
  }

  @SuppressWarnings("unchecked")
  private static ActorHandle<TrialHost> host(ActorHandle<?> h) {
    return (ActorHandle<TrialHost>) h;
  }
}
