package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.glint.api.Glint;
import io.glint.api.InitOptions;
import io.glint.tune.Result;
import io.glint.tune.ResultGrid;
import io.glint.tune.RunConfig;
import io.glint.tune.Trainable;
import io.glint.tune.Tune;
import io.glint.tune.TuneConfig;
import io.glint.tune.Tuner;
import io.glint.tune.schedulers.AshaScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Glint Tune on a real cluster: the seed's Tune example in Java (trials are actors, in parallel on
 * every CPU), and an experiment whose driver is killed with kill -9 resuming without running its
 * finished trials again.
 */
@org.junit.jupiter.api.Timeout(value = 5, unit = TimeUnit.MINUTES)
class TuneIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @AfterEach
  void shutdown() {
    Glint.shutdown();
  }

  /** The seed's helper, left undefined there: one epoch of a synthetic model. */
  public static double trainEpoch(double lr, int batchSize, int epoch) throws InterruptedException {
    // An epoch takes time, as a real one does: two trials running at once then overlap for sure
    // (with instant epochs their report spans were too short to meet).
    Thread.sleep(100);
    return Math.pow(Math.log10(lr) + 2, 2) + batchSize / 1000.0 + 1.0 / (epoch + 1);
  }

  /** The seed's train_fn, as written there. */
  static final Trainable TRAIN_FN =
      config -> {
        for (int epoch = 0; epoch < (int) config.get("epochs"); epoch++) {
          double loss =
              trainEpoch((double) config.get("lr"), (int) config.get("batch_size"), epoch);
          Tune.report(
              Map.of(
                  "loss", loss,
                  "pid", ProcessHandle.current().pid(),
                  "at_ms", System.currentTimeMillis()));
        }
      };

  @Test
  void theSeedsTuneExampleRunsTrialsInParallelAsActors(@TempDir Path storage) {
    Glint.init(InitOptions.builder().numCpus(2).logToDriver(false).build());
    ResultGrid analysis =
        new Tuner(
                TRAIN_FN,
                Map.of(
                    "lr", Tune.loguniform(1e-4, 1e-1),
                    "batch_size", Tune.choice(32, 64, 128),
                    "epochs", 10),
                TuneConfig.builder()
                    .metric("loss")
                    .mode("min")
                    .numSamples(50)
                    .scheduler(new AshaScheduler(10, 3, 3))
                    .seed(7)
                    .build(),
                RunConfig.builder().name("seed").storagePath(storage.toString()).build())
            .fit();
    assertThat(analysis.size()).isEqualTo(50);
    assertThat(analysis.errors()).isEmpty();
    Result best = analysis.getBestResult();
    System.out.println("Best config: " + best.config() + " loss " + best.metric("loss"));
    assertThat((double) best.config().get("lr")).isBetween(1e-3, 1e-1);
    // Trials ran as actors in worker processes, two at a time on the 2 CPUs; the actors were
    // reused from trial to trial (TuneConfig.reuseActors, on by default) instead of one process
    // starting per trial.
    Set<Object> pids = new HashSet<>();
    analysis.results().forEach(r -> r.metricsHistory().forEach(m -> pids.add(m.get("pid"))));
    assertThat(pids)
        .hasSizeGreaterThanOrEqualTo(2)
        .hasSizeLessThan(analysis.size())
        .doesNotContain(ProcessHandle.current().pid());
    assertThat(maxOverlap(analysis.results())).isEqualTo(2);
  }

  /** The most trials whose first-to-last report spans overlap at one time. */
  private static int maxOverlap(List<Result> results) {
    int best = 0;
    for (Result a : results) {
      long t = ((Number) a.metricsHistory().get(0).get("at_ms")).longValue();
      int n = 0;
      for (Result b : results) {
        List<Map<String, Object>> h = b.metricsHistory();
        long s = ((Number) h.get(0).get("at_ms")).longValue();
        long e = ((Number) h.get(h.size() - 1).get("at_ms")).longValue();
        if (s <= t && t <= e) {
          n++;
        }
      }
      best = Math.max(best, n);
    }
    return best;
  }

  /** A trial that uses its group's second bundle for a task each epoch. */
  public static int doubled(int x) {
    return 2 * x;
  }

  @Test
  void eachTrialGetsItsOwnPlacementGroup(@TempDir Path storage) {
    Glint.init(InitOptions.builder().numCpus(2).logToDriver(false).build());
    Trainable withTasks =
        config -> {
          for (int e = 1; e <= 3; e++) {
            int v = Glint.get(Glint.task(TuneIT::doubled, e).setResource("CPU", 1).remote());
            Tune.report(Map.of("v", v, "at_ms", System.currentTimeMillis()));
          }
        };
    ResultGrid g =
        new Tuner(
                withTasks,
                Map.of("k", Tune.gridSearch(1, 2, 3)),
                TuneConfig.builder().numSamples(1).seed(1).build(),
                RunConfig.builder()
                    .name("pg")
                    .storagePath(storage.toString())
                    .verbose(false)
                    .build())
            .withPlacementGroup(
                List.of(Map.of("CPU", 1.0), Map.of("CPU", 1.0)),
                io.glint.api.PlacementStrategy.PACK)
            .fit();
    assertThat(g.errors()).isEmpty();
    assertThat(g.results()).allMatch(r -> r.metricsHistory().size() == 3);
    // Each trial held both CPUs through its group: one trial at a time, each group removed after.
    assertThat(maxOverlap(g.results())).isEqualTo(1);
    var table = io.glint.api.PlacementGroups.placementGroupTable();
    assertThat(table).hasSize(3);
    assertThat(table).allMatch(e -> e.state() == io.glint.api.PlacementGroups.State.REMOVED);
  }

  @Test
  void aKilledDriversExperimentResumesWithoutRerunningFinishedTrials(@TempDir Path dir)
      throws Exception {
    Path storage = Files.createDirectories(dir.resolve("results"));
    Path markers = Files.createDirectories(dir.resolve("markers"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process driver =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-Dglint.dashboard.enabled=false",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp",
                System.getProperty("java.class.path"),
                TuneResumeDriver.class.getName(),
                storage.toString(),
                markers.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("driver.log").toFile())
            .start();
    Path state = storage.resolve("resume/experiment_state.json");
    Set<String> finishedBefore = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (finishedBefore.size() < 4) {
      assertThat(driver.isAlive()).as(Files.readString(dir.resolve("driver.log"))).isTrue();
      assertThat(System.nanoTime()).as("4 trials finished within 120 s").isLessThan(deadline);
      Thread.sleep(100);
      finishedBefore.clear();
      if (Files.exists(state)) {
        for (JsonNode t : JSON.readTree(state.toFile()).get("trials")) {
          if (t.get("status").asText().equals("TERMINATED")) {
            finishedBefore.add(t.get("config").get("x").asText());
          }
        }
      }
    }
    driver.destroyForcibly(); // kill -9: no shutdown hook, no last save
    assertThat(driver.waitFor(30, TimeUnit.SECONDS)).isTrue();

    Glint.init(InitOptions.builder().numCpus(2).logToDriver(false).build());
    ResultGrid grid = Tuner.restore(storage.resolve("resume"), TuneResumeDriver.TRAIN).fit();
    assertThat(grid.size()).isEqualTo(10);
    assertThat(grid.errors()).isEmpty();
    assertThat(grid.results()).allMatch(r -> r.metricsHistory().size() == 4);
    assertThat(grid.getBestResult().config().get("x")).isIn(4, 5);
    for (String x : finishedBefore) {
      assertThat(Files.readAllLines(markers.resolve(x + ".runs")))
          .as("trial x=" + x + " finished before the kill and did not run again")
          .hasSize(1);
    }
    for (int x = 0; x < 10; x++) {
      assertThat(markers.resolve(x + ".runs")).exists();
    }
  }
}
