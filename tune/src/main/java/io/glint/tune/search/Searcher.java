package io.glint.tune.search;

import java.io.Serializable;
import java.util.Map;

/**
 * Chooses trials' configs (Ray's {@code Searcher}). The experiment calls {@link #setup} once, then
 * {@link #suggest} whenever a trial can start, and tells it how each trial ended. Searchers are
 * saved with the experiment's state, so a restored experiment goes on where it was.
 */
public interface Searcher extends Serializable {
  void setup(Map<String, ?> space, String metric, String mode, int numSamples, long seed);

  /** The next trial's config, or null when this searcher has no more trials to give. */
  Map<String, Object> suggest(String trialId);

  /** A trial ended: its last report (null when it never reported), and whether it failed. */
  void onTrialComplete(String trialId, Map<String, Object> lastResult, boolean error);

  /** How many trials it will suggest in all. */
  int total();
}
