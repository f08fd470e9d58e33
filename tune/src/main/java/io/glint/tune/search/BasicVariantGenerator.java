package io.glint.tune.search;

import io.glint.tune.Configs;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Ray Tune's default search: every grid point ({@code gridSearch}) {@code numSamples} times, the
 * other domains sampled at random for each trial.
 */
public final class BasicVariantGenerator implements Searcher {
  private Map<String, ?> space;
  private List<Map<String, Object>> grid;
  private int numSamples;
  private Random random;
  private int next;

  @Override
  public void setup(Map<String, ?> space, String metric, String mode, int numSamples, long seed) {
    this.space = space;
    this.grid = Configs.gridPoints(space);
    this.numSamples = numSamples;
    this.random = new Random(seed);
  }

  @Override
  public Map<String, Object> suggest(String trialId) {
    if (next >= total()) {
      return null;
    }
    Map<String, Object> point = grid.get(next % grid.size());
    next++;
    return Configs.resolve(space, point, random);
  }

  @Override
  public void onTrialComplete(String trialId, Map<String, Object> lastResult, boolean error) {}

  @Override
  public int total() {
    return numSamples * grid.size();
  }
}
