package io.glint.tune;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything an experiment needs to go on after its driver died: the space, configs, every trial
 * with its reports and checkpoint, and the searcher's and scheduler's own state. Saved (Java
 * serialization) whenever a trial changes state and every few seconds.
 */
final class ExperimentState implements Serializable {
  final Map<String, ?> space;
  final TuneConfig tuneConfig;
  final RunConfig runConfig;
  final Map<String, Double> resources;

  /** A placement group per trial (its bundles and strategy), or none. */
  java.util.List<Map<String, Double>> bundles;

  io.glint.api.PlacementStrategy strategy;
  final List<Trial> trials = new ArrayList<>();
  int trialCounter;
  boolean searcherDone;
  boolean setUp;

  ExperimentState(
      Map<String, ?> space,
      TuneConfig tuneConfig,
      RunConfig runConfig,
      Map<String, Double> resources) {
    this.space = space instanceof Serializable ? space : new LinkedHashMap<>(space);
    this.tuneConfig = tuneConfig;
    this.runConfig = runConfig;
    this.resources = new LinkedHashMap<>(resources);
  }
}
