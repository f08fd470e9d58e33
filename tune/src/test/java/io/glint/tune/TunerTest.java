package io.glint.tune;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TunerTest {
  @TempDir Path storage;

  private RunConfig.Builder run(String name) {
    return RunConfig.builder().name(name).storagePath(storage.toString()).verbose(false);
  }

  @Test
  void theCurvePlotCarriesTheReportedPoints() throws Exception {
    ResultGrid g =
        new Tuner(
                Objectives.CURVE,
                Map.of(
                    "lr",
                    Tune.loguniform(1e-3, 1e-1),
                    "batch_size",
                    Tune.choice(32, 64),
                    "epochs",
                    5),
                TuneConfig.builder().metric("loss").mode("min").numSamples(4).seed(1).build(),
                run("plot").build())
            .inProcess()
            .fit();
    String svg = Files.readString(g.experimentPath().resolve("curves.svg"));
    Matcher m =
        Pattern.compile(
                "<script type=\"application/json\" id=\"glint-tune-data\"><!\\[CDATA\\[(.*)]]>")
            .matcher(svg);
    assertThat(m.find()).isTrue();
    JsonNode data = new ObjectMapper().readTree(m.group(1));
    assertThat(data.get("metric").asText()).isEqualTo("loss");
    assertThat(svg).contains("<polyline class=\"trial\"");
    for (Result r : g.results()) {
      JsonNode points = data.get("trials").get(r.trialId());
      assertThat(points).hasSize(5);
      // The plot's points are the reports, and the reports are what the trial wrote to disk.
      List<String> lines = Files.readAllLines(r.path().resolve("result.json"));
      assertThat(lines).hasSize(5);
      for (int i = 0; i < 5; i++) {
        JsonNode line = new ObjectMapper().readTree(lines.get(i));
        assertThat(points.get(i).get(0).asInt()).isEqualTo(i + 1);
        assertThat(points.get(i).get(1).asDouble()).isEqualTo(line.get("loss").asDouble());
        assertThat(line.get("loss").asDouble())
            .isEqualTo(((Number) r.metricsHistory().get(i).get("loss")).doubleValue());
      }
      assertThat(r.path().resolve("params.json")).exists();
      assertThat(r.path().resolve("progress.csv")).exists();
      assertThat(r.path().resolve("checkpoint_5.json")).exists();
    }
    assertThat(Files.readAllLines(g.experimentPath().resolve("results.csv"))).hasSize(5);
    assertThat(g.toTable()).contains("config/lr").contains("loss");
  }

  static final ConcurrentHashMap<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();

  @Test
  void failedTrialsAreRetriedFromTheirCheckpointThenReported() {
    Trainable flaky =
        c -> {
          Checkpoint from = Tune.getCheckpoint();
          int start = from == null ? 0 : ((Number) from.data().get("epoch")).intValue();
          String key = c.get("name") + "/" + c.get("budget");
          for (int e = start + 1; e <= 6; e++) {
            if (e == 4
                && ATTEMPTS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet()
                    <= (int) c.get("budget")) {
              throw new IllegalStateException("flaky at epoch 4 of " + key);
            }
            Tune.report(Map.of("score", (double) e), Checkpoint.of(Map.of("epoch", e)));
          }
        };
    ResultGrid g =
        new Tuner(
                flaky,
                Map.of("name", "flaky", "budget", Tune.gridSearch(1, 3)),
                TuneConfig.builder().numSamples(1).seed(1).build(),
                run("retries").maxFailures(2).build())
            .inProcess()
            .fit();
    Result recovered =
        g.results().stream()
            .filter(r -> r.config().get("budget").equals(1))
            .findFirst()
            .orElseThrow();
    assertThat(recovered.error()).isNull();
    assertThat(recovered.metricsHistory())
        .extracting(m -> m.get("score"))
        .containsExactly(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
    Result failed =
        g.results().stream()
            .filter(r -> r.config().get("budget").equals(3))
            .findFirst()
            .orElseThrow();
    assertThat(failed.error()).contains("IllegalStateException").contains("flaky at epoch 4");
    assertThat(g.errors()).containsExactly(failed);
    assertThat(failed.path().resolve("error.txt")).exists();
  }

  @Test
  void theProgressTableAndTheTimeBudget() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Trainable slow =
        c -> {
          for (int e = 1; e <= 1000; e++) {
            Thread.sleep(5);
            Tune.report(Map.of("loss", 1.0 / e));
          }
        };
    ResultGrid g =
        new Tuner(
                slow,
                Map.of("lr", Tune.uniform(0, 1)),
                TuneConfig.builder()
                    .metric("loss")
                    .mode("min")
                    .numSamples(3)
                    .timeBudgetS(1.5)
                    .seed(1)
                    .build(),
                RunConfig.builder()
                    .name("budget")
                    .storagePath(storage.toString())
                    .progressIntervalS(0.5)
                    .build())
            .inProcess()
            .progressTo(new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .fit();
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out)
        .contains("== Tune status:")
        .contains("Best so far: loss=")
        .contains("TERMINATED");
    assertThat(g.size()).isEqualTo(3);
    assertThat(g.results()).allMatch(r -> r.metricsHistory().size() < 1000);
  }

  /** Set by the test so the trainable can interrupt its own experiment (as Ctrl-C would). */
  static final java.util.concurrent.atomic.AtomicReference<Tuner> CURRENT =
      new java.util.concurrent.atomic.AtomicReference<>();

  static final Map<String, AtomicInteger> STARTS = new ConcurrentHashMap<>();

  @Test
  void anInterruptedExperimentSavesItsStateAndRestoreFinishesIt() {
    Trainable t =
        config -> {
          int i = (int) config.get("i");
          STARTS.computeIfAbsent("i" + i, k -> new AtomicInteger()).incrementAndGet();
          for (int e = 1; e <= 3; e++) {
            if (i == 2 && e == 2 && CURRENT.get() != null) {
              CURRENT.getAndSet(null).interrupt();
            }
            Tune.report(Map.of("v", i * 10 + e));
          }
        };
    Map<String, Object> space = Map.of("i", Tune.gridSearch(0, 1, 2, 3, 4));
    RunConfig run = RunConfig.builder().name("intr").storagePath(storage.toString()).build();
    Tuner tuner =
        new Tuner(t, space, TuneConfig.builder().maxConcurrentTrials(1).build(), run)
            .inProcess()
            .progressTo(null);
    CURRENT.set(tuner);
    org.assertj.core.api.Assertions.assertThatThrownBy(tuner::fit)
        .isInstanceOf(TuneInterruptedException.class)
        .hasMessageContaining("state is saved in " + storage.resolve("intr"));
    ResultGrid g = Tuner.restore(storage.resolve("intr"), t).inProcess().progressTo(null).fit();
    assertThat(g.results().stream().map(r -> r.metric("v")).sorted())
        .containsExactly(3.0, 13.0, 23.0, 33.0, 43.0);
    // trials that had ended before the interrupt did not run again
    assertThat(STARTS.get("i0").get()).isEqualTo(1);
    assertThat(STARTS.get("i1").get()).isEqualTo(1);
    assertThat(STARTS.get("i4").get()).isEqualTo(1);
  }

  @Test
  void reportOutsideATrialSaysWhere() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Tune.report(Map.of("x", 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("inside a trainable");
  }
}
