package io.glint.tune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.tune.schedulers.AshaScheduler;
import io.glint.tune.schedulers.PopulationBasedTraining;
import io.glint.tune.search.TpeSearch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a Python driver's experiment (plain values from glint.tune) becomes in the engine. */
class PythonTuneTest {
  @Test
  void taggedEntriesBecomeDomainsAndRaysGridSearchIsAGrid() {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put(
        "lr",
        Map.of(PythonTune.DOMAIN, "float", "lower", 1e-4, "upper", 1e-1, "log", true, "q", 0.0));
    raw.put("layers", Map.of(PythonTune.DOMAIN, "int", "lower", 1L, "upper", 4L));
    raw.put("model", Map.of("opt", Map.of(PythonTune.DOMAIN, "choice", "values", List.of("a"))));
    raw.put("seed", Map.of("grid_search", List.of(1L, 2L)));
    raw.put("epochs", 10L);
    Map<String, Object> space = PythonTune.space(raw);
    assertThat(space.get("lr")).isEqualTo(new Domain.FloatRange(1e-4, 1e-1, true, 0));
    assertThat(space.get("layers")).isEqualTo(new Domain.IntRange(1, 4));
    assertThat(((Map<?, ?>) space.get("model")).get("opt"))
        .isEqualTo(new Domain.Categorical(List.of("a")));
    assertThat(space.get("seed")).isEqualTo(new Domain.Grid(List.of(1L, 2L)));
    assertThat(space.get("epochs")).isEqualTo(10L);
    assertThatThrownBy(() -> PythonTune.space(Map.of("x", Map.of(PythonTune.DOMAIN, "normal"))))
        .hasMessageContaining("unknown search space entry normal");
  }

  @Test
  void configsSchedulersAndSearchersAreTheEngines() {
    TuneConfig c =
        PythonTune.tuneConfig(
            Map.of(
                "metric",
                "loss",
                "mode",
                "min",
                "num_samples",
                12L,
                "max_concurrent_trials",
                3L,
                "scheduler",
                Map.of("type", "asha", "max_t", 27L, "grace_period", 1L, "reduction_factor", 3L),
                "search_alg",
                Map.of(
                    "type", "tpe", "n_initial_points", 4L, "gamma", 0.25, "n_ei_candidates", 24L)));
    assertThat(c.metric()).isEqualTo("loss");
    assertThat(c.numSamples()).isEqualTo(12);
    assertThat(c.maxConcurrentTrials()).isEqualTo(3);
    assertThat(((AshaScheduler) c.scheduler()).rungs()).containsExactly(9, 3, 1);
    assertThat(c.searchAlg()).isInstanceOf(TpeSearch.class);
    var pbt =
        PythonTune.scheduler(
            Map.of(
                "type",
                "pbt",
                "perturbation_interval",
                3L,
                "hyperparam_mutations",
                Map.of("opt", Map.of("lr", List.of(0.1, 1.0))),
                "quantile_fraction",
                0.25,
                "resample_probability",
                0.25,
                "seed",
                0L));
    assertThat(pbt).isInstanceOf(PopulationBasedTraining.class);
    assertThat(PythonTune.resources(Map.of("cpu", 2L, "gpu", 1L, "TPU", 0.5)))
        .containsExactlyInAnyOrderEntriesOf(Map.of("CPU", 2.0, "GPU", 1.0, "TPU", 0.5));
    assertThat(PythonTune.runConfig(Map.of("max_failures", 2L)).maxFailures()).isEqualTo(2);
  }

  @Test
  void aPythonHostsStepIsATrialStep() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("metrics", Map.of("loss", 0.5, "training_iteration", 1L));
    m.put("checkpoint", Map.of("epoch", 1L));
    m.put("done", false);
    m.put("error", null);
    TrialRunner.Step s = PythonTrialActors.toStep(m);
    assertThat(s.metrics()).containsEntry("loss", 0.5);
    assertThat(s.checkpoint().data()).containsEntry("epoch", 1L);
    assertThat(s.done()).isFalse();
    TrialRunner.Step failed =
        PythonTrialActors.toStep(Map.of("done", true, "error", "Traceback ... ValueError"));
    assertThat(failed.done()).isTrue();
    assertThat(failed.error()).contains("ValueError");
    assertThat(failed.checkpoint()).isNull();
  }

  @Test
  void inProcessRunsOnlyJavaTrainables() {
    Tuner t =
        new Tuner(
                io.glint.api.PyFunction.of("mytraining", "train"),
                Map.of(),
                TuneConfig.builder().build())
            .inProcess();
    assertThatThrownBy(t::fit).hasMessageContaining("a Python trainable runs in trial actors");
  }
}
