package io.glint.tune.schedulers;

import io.glint.tune.Configs;
import io.glint.tune.Domain;
import io.glint.tune.Trial;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Population-based training (Jaderberg et al., 2017; Ray's {@code PopulationBasedTraining}): every
 * {@code perturbationInterval} iterations, a trial in the bottom {@code quantileFraction} of the
 * population takes the latest checkpoint of one in the top (exploit) and goes on with that trial's
 * config perturbed (explore): each mutated hyperparameter is resampled with probability {@code
 * resampleProbability}, else multiplied by 0.8 or 1.2 (numbers) or moved to a neighbouring value
 * (lists). Trainables must report checkpoints for it to have anything to copy.
 */
public final class PopulationBasedTraining extends MetricScheduler {
  /** One exploit, for inspection: who copied whom, when, and the config it went on with. */
  public record Exploit(
      String trial, String from, int iteration, int fromIteration, Map<String, Object> newConfig)
      implements java.io.Serializable {}

  private final int perturbationInterval;
  private final Map<String, Object> mutations;
  private final double quantileFraction;
  private final double resampleProbability;
  private final Random random;
  private final Map<String, Trial> trials = new LinkedHashMap<>();
  private final Map<String, Integer> lastPerturbation = new HashMap<>();
  private final List<Exploit> exploits = new ArrayList<>();

  /**
   * @param mutations hyperparameter path to a {@link Domain} (resampled) or a list of values
   */
  public PopulationBasedTraining(
      int perturbationInterval,
      Map<String, Object> mutations,
      double quantileFraction,
      double resampleProbability,
      long seed) {
    if (perturbationInterval < 1 || quantileFraction <= 0 || quantileFraction > 0.5) {
      throw new IllegalArgumentException(
          "PBT needs perturbationInterval >= 1 and 0 < quantileFraction <= 0.5");
    }
    if (mutations.isEmpty()) {
      throw new IllegalArgumentException("PBT needs at least one hyperparameter to mutate");
    }
    this.perturbationInterval = perturbationInterval;
    this.mutations = new LinkedHashMap<>(mutations);
    this.quantileFraction = quantileFraction;
    this.resampleProbability = resampleProbability;
    this.random = new Random(seed);
  }

  public PopulationBasedTraining(int perturbationInterval, Map<String, Object> mutations) {
    this(perturbationInterval, mutations, 0.25, 0.25, 0);
  }

  public List<Exploit> exploits() {
    return List.copyOf(exploits);
  }

  @Override
  public void onTrialAdd(Trial trial) {
    trials.put(trial.id(), trial);
  }

  @Override
  public Decision onTrialResult(Trial trial, Map<String, Object> result) {
    int t = TrialScheduler.iteration(result);
    if (t - lastPerturbation.getOrDefault(trial.id(), 0) < perturbationInterval) {
      return Decision.CONTINUE;
    }
    lastPerturbation.put(trial.id(), t);
    List<Trial> ranked = new ArrayList<>();
    for (Trial other : trials.values()) {
      if (other.status() != Trial.Status.ERROR
          && !Double.isNaN(score(other == trial ? result : other.lastResult()))) {
        ranked.add(other);
      }
    }
    if (ranked.size() < 2) {
      return Decision.CONTINUE;
    }
    ranked.sort(
        Comparator.comparingDouble((Trial x) -> score(x == trial ? result : x.lastResult())));
    int k = Math.max(1, (int) Math.floor(ranked.size() * quantileFraction));
    List<Trial> bottom = ranked.subList(0, k);
    List<Trial> top = ranked.subList(ranked.size() - k, ranked.size());
    if (!bottom.contains(trial) || top.contains(trial)) {
      return Decision.CONTINUE;
    }
    List<Trial> donors = top.stream().filter(x -> x.checkpoint() != null).toList();
    if (donors.isEmpty()) {
      return Decision.CONTINUE;
    }
    Trial from = donors.get(random.nextInt(donors.size()));
    Map<String, Object> explored = explore(from.config());
    exploits.add(new Exploit(trial.id(), from.id(), t, from.checkpointIteration(), explored));
    return Decision.exploit(from, explored);
  }

  private double score(Map<String, Object> result) {
    return result == null ? Double.NaN : reward(result);
  }

  private Map<String, Object> explore(Map<String, Object> config) {
    Map<String, Object> out = config;
    for (Map.Entry<String, Object> m : mutations.entrySet()) {
      Object current = Configs.get(out, m.getKey());
      Object next;
      if (m.getValue() instanceof Domain d) {
        if (random.nextDouble() < resampleProbability || !(current instanceof Number)) {
          next = d.sample(random);
        } else {
          double factor = random.nextBoolean() ? 1.2 : 0.8;
          next =
              current instanceof Integer i
                  ? (Object) (int) Math.round(i * factor)
                  : (Object) (((Number) current).doubleValue() * factor);
        }
      } else if (m.getValue() instanceof List<?> values && !values.isEmpty()) {
        int i = values.indexOf(current);
        if (random.nextDouble() < resampleProbability || i < 0) {
          next = values.get(random.nextInt(values.size()));
        } else {
          int j = Math.max(0, Math.min(values.size() - 1, i + (random.nextBoolean() ? 1 : -1)));
          next = values.get(j);
        }
      } else {
        throw new IllegalArgumentException(
            "mutation of \"" + m.getKey() + "\" must be a Domain or a list of values");
      }
      out = Configs.with(out, m.getKey(), next);
    }
    return out;
  }
}
