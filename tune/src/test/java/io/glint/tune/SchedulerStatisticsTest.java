package io.glint.tune;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.tune.schedulers.AshaScheduler;
import io.glint.tune.schedulers.HyperBandScheduler;
import io.glint.tune.schedulers.MedianStoppingRule;
import io.glint.tune.schedulers.PopulationBasedTraining;
import io.glint.tune.schedulers.TrialScheduler;
import io.glint.tune.search.BasicVariantGenerator;
import io.glint.tune.search.TpeSearch;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schedulers and searchers on the in-process executor, many seeds each: ASHA against FIFO, TPE
 * against random search, and the defining behaviour of HyperBand, median stopping and PBT.
 */
class SchedulerStatisticsTest {
  @TempDir Path storage;

  private static final Map<String, Object> SPACE =
      Map.of(
          "lr", Tune.loguniform(1e-4, 1e-1),
          "batch_size", Tune.choice(32, 64, 128),
          "epochs", 27);

  private ResultGrid run(
      String name,
      Trainable t,
      Map<String, ?> space,
      int samples,
      TrialScheduler s,
      io.glint.tune.search.Searcher search,
      long seed,
      int concurrency) {
    return new Tuner(
            t,
            space,
            TuneConfig.builder()
                .metric("loss")
                .mode("min")
                .numSamples(samples)
                .scheduler(s)
                .searchAlg(search)
                .maxConcurrentTrials(concurrency)
                .seed(seed)
                .build(),
            RunConfig.builder().name(name).storagePath(storage.toString()).verbose(false).build())
        .inProcess()
        .fit();
  }

  private static int epochs(ResultGrid g) {
    return g.results().stream().mapToInt(r -> r.metricsHistory().size()).sum();
  }

  @Test
  void ashaFindsAlmostFifosBestWithFewerEpochs() {
    double ashaSum = 0;
    double fifoSum = 0;
    int ashaEpochs = 0;
    int fifoEpochs = 0;
    for (long seed = 1; seed <= 10; seed++) {
      ResultGrid fifo = run("fifo" + seed, Objectives.CURVE, SPACE, 20, null, null, seed, 4);
      AshaScheduler asha = new AshaScheduler(27, 3, 3);
      ResultGrid a = run("asha" + seed, Objectives.CURVE, SPACE, 20, asha, null, seed, 4);
      assertThat(epochs(a)).as("seed " + seed).isLessThan(epochs(fifo));
      ashaEpochs += epochs(a);
      fifoEpochs += epochs(fifo);
      assertThat(asha.stoppedEarly()).isPositive();
      ashaSum += a.getBestResult().metric("loss");
      fifoSum += fifo.getBestResult().metric("loss");
    }
    System.out.printf(
        "ASHA vs FIFO over 10 seeds: best loss %.4f vs %.4f (ratio %.4f), epochs %d vs %d%n",
        ashaSum / 10, fifoSum / 10, ashaSum / fifoSum, ashaEpochs, fifoEpochs);
    assertThat(ashaSum / fifoSum).isLessThanOrEqualTo(1.01);
    assertThat(ashaEpochs).isLessThan(fifoEpochs / 2);
  }

  @Test
  void tpeBeatsRandomSearchOnAKnownFunction() {
    Map<String, Object> space =
        Map.of(
            "x",
            Tune.uniform(-1, 1),
            "lr",
            Tune.loguniform(1e-5, 1),
            "kind",
            Tune.choice("a", "b", "c"));
    Trainable f =
        c -> {
          double x = (double) c.get("x");
          double lr = (double) c.get("lr");
          double penalty = "b".equals(c.get("kind")) ? 0 : 0.3;
          Tune.report(
              Map.of(
                  "loss", Math.pow(x - 0.3, 2) + Math.pow(Math.log10(lr) + 2.5, 2) / 4 + penalty));
        };
    double tpe = 0;
    double random = 0;
    for (long seed = 1; seed <= 10; seed++) {
      tpe +=
          run("tpe" + seed, f, space, 40, null, new TpeSearch(), seed, 1)
              .getBestResult()
              .metric("loss");
      random +=
          run("rnd" + seed, f, space, 40, null, new BasicVariantGenerator(), seed, 1)
              .getBestResult()
              .metric("loss");
    }
    System.out.printf(
        "TPE vs random over 10 seeds: best loss %.4f vs %.4f%n", tpe / 10, random / 10);
    assertThat(tpe / 10).isLessThan(random / 10);
  }

  @Test
  void hyperBandStopsTrialsAtItsMilestonesAndResumesTheBestFromTheirCheckpoints() {
    HyperBandScheduler hb = new HyperBandScheduler(27, 3);
    ResultGrid g = run("hb", Objectives.CURVE, SPACE, 40, hb, null, 3, 8);
    // Brackets of 27, 12, 6 and 4 trials, starting with budgets of 1, 3, 9 and 27 iterations.
    assertThat(hb.bracketShapes()).extracting(s -> s[0]).containsExactly(27, 12, 6, 4);
    assertThat(hb.bracketShapes()).extracting(s -> s[1]).containsExactly(1, 3, 9, 27);
    java.util.Set<Integer> milestones = java.util.Set.of(1, 3, 9, 27);
    assertThat(hb.stoppedAt()).isNotEmpty();
    assertThat(hb.stoppedAt().values()).allMatch(milestones::contains);
    long full = g.results().stream().filter(r -> r.metricsHistory().size() == 27).count();
    assertThat(full).isLessThan(20).isPositive();
    for (Result r : g.results()) {
      // Paused trials went on from their checkpoints: every epoch reported once, in order.
      List<Map<String, Object>> h = r.metricsHistory();
      for (int i = 0; i < h.size(); i++) {
        assertThat(h.get(i).get("epoch_seen")).isEqualTo(i + 1);
        assertThat(h.get(i).get(Tune.TRAINING_ITERATION)).isEqualTo(i + 1);
      }
      Integer stop = hb.stoppedAt().get(r.trialId());
      if (stop != null) {
        assertThat(h).hasSize(stop);
      }
    }
  }

  @Test
  void medianStoppingEndsTrialsBelowTheMedianEarly() {
    MedianStoppingRule median = new MedianStoppingRule(3, 3);
    ResultGrid g = run("median", Objectives.CURVE, SPACE, 16, median, null, 5, 4);
    assertThat(median.stoppedAt()).isNotEmpty();
    assertThat(median.stoppedAt().values()).allMatch(t -> t >= 3 && t < 27);
    Result best = g.getBestResult();
    assertThat(best.metricsHistory()).hasSize(27);
    assertThat(median.stoppedAt()).doesNotContainKey(best.trialId());
  }

  @Test
  void pbtCopiesTheBestTrialsStateAndPerturbsItsConfig() {
    // Accuracy grows by lr each epoch from the checkpointed value: the best lr wins.
    Trainable grow =
        c -> {
          Checkpoint from = Tune.getCheckpoint();
          double acc = from == null ? 0 : ((Number) from.data().get("acc")).doubleValue();
          int done = from == null ? 0 : ((Number) from.data().get("epochs")).intValue();
          for (int e = done + 1; e <= 20; e++) {
            acc += ((Number) c.get("lr")).doubleValue();
            Tune.report(
                Map.of("acc", acc, "lr_used", c.get("lr")),
                Checkpoint.of(Map.of("acc", acc, "epochs", e)));
          }
        };
    PopulationBasedTraining pbt =
        new PopulationBasedTraining(
            4, Map.of("lr", List.of(0.01, 0.02, 0.05, 0.1, 0.2)), 0.25, 0.0, 11);
    ResultGrid g =
        new Tuner(
                grow,
                Map.of("lr", Tune.choice(0.01, 0.02, 0.05, 0.1, 0.2)),
                TuneConfig.builder()
                    .metric("acc")
                    .mode("max")
                    .numSamples(8)
                    .scheduler(pbt)
                    .seed(2)
                    .build(),
                RunConfig.builder()
                    .name("pbt")
                    .storagePath(storage.toString())
                    .verbose(false)
                    .build())
            .inProcess()
            .fit();
    assertThat(pbt.exploits()).isNotEmpty();
    PopulationBasedTraining.Exploit x = pbt.exploits().get(0);
    Result trial =
        g.results().stream().filter(r -> r.trialId().equals(x.trial())).findFirst().orElseThrow();
    Result donor =
        g.results().stream().filter(r -> r.trialId().equals(x.from())).findFirst().orElseThrow();
    // After the exploit the trial's accuracy continues from the donor's, not its own.
    double donorAcc = (double) donor.metricsHistory().get(x.fromIteration() - 1).get("acc");
    double ownBefore = (double) trial.metricsHistory().get(x.iteration() - 1).get("acc");
    double after = (double) trial.metricsHistory().get(x.iteration()).get("acc");
    assertThat(donorAcc).isGreaterThan(ownBefore);
    assertThat(after).isGreaterThan(donorAcc);
    assertThat(after - donorAcc)
        .isEqualTo((double) x.newConfig().get("lr"), org.assertj.core.data.Offset.offset(1e-9));
    // Explore: the new lr is the donor's moved to a neighbouring value.
    List<Double> lrs = List.of(0.01, 0.02, 0.05, 0.1, 0.2);
    int i =
        lrs.indexOf(
            ((Number) donor.metricsHistory().get(x.iteration() - 1).get("lr_used")).doubleValue());
    assertThat(lrs.indexOf((Double) x.newConfig().get("lr")))
        .isIn(Math.max(0, i - 1), Math.min(4, i + 1));
  }
}
