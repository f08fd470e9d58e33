package io.glint.tune.schedulers;

import io.glint.tune.Trial;
import java.util.Map;

/** Runs every trial to its end (Ray's default). */
public final class FifoScheduler implements TrialScheduler {
  @Override
  public Decision onTrialResult(Trial trial, Map<String, Object> result) {
    return Decision.CONTINUE;
  }
}
