package io.glint.tune;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs trials in this process, one step at a time in the order asked: deterministic for a given
 * seed and fast, so statistical checks of schedulers and searchers run many experiments in seconds.
 * Same schedulers, searchers and controller as on a cluster.
 */
final class LocalTrialExecutor implements TrialExecutor {
  private final Trainable trainable;

  LocalTrialExecutor(Trainable trainable) {
    this.trainable = trainable;
  }

  @Override
  public Object start(
      Trial trial, Map<String, Object> config, Checkpoint restoreFrom, int startIteration) {
    return new TrialRunner(trainable, config, restoreFrom, startIteration);
  }

  @Override
  public CompletableFuture<TrialRunner.Step> step(Object handle) {
    try {
      return CompletableFuture.completedFuture(((TrialRunner) handle).step());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void stop(Object handle) {
    ((TrialRunner) handle).stop();
  }

  @Override
  public int defaultConcurrency() {
    return 8;
  }
}
