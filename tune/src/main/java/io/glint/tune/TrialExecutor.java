package io.glint.tune;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Where trials run: Glint actors ({@link GlintTrialExecutor}) or this process ({@link
 * LocalTrialExecutor}).
 */
interface TrialExecutor extends AutoCloseable {
  /** Starts a trial's runner; returns its handle. */
  Object start(Trial trial, Map<String, Object> config, Checkpoint restoreFrom, int startIteration);

  /** Lets the trial run to its next report. */
  CompletableFuture<TrialRunner.Step> step(Object handle);

  /** Ends the trial's runner (and frees its resources). */
  void stop(Object handle);

  /** How many trials may run at once when the experiment sets no limit. */
  int defaultConcurrency();

  @Override
  default void close() {}
}
