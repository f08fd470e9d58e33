package io.glint.it;

import io.glint.api.Glint;
import io.glint.api.InitOptions;
import io.glint.tune.Checkpoint;
import io.glint.tune.RunConfig;
import io.glint.tune.Trainable;
import io.glint.tune.Tune;
import io.glint.tune.TuneConfig;
import io.glint.tune.Tuner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A Tune driver that {@code TuneIT} kills mid-experiment: 10 trials of 4 epochs on its own embedded
 * cluster; each trial appends a line to {@code <markers>/<x>.runs} when it starts, so a restore
 * that ran a finished trial again would show.
 */
public final class TuneResumeDriver {
  private TuneResumeDriver() {}

  /** Epochs take 300 ms; the loss depends on x only. */
  public static final Trainable TRAIN =
      config -> {
        Path markers = Path.of((String) config.get("markers"));
        Files.writeString(
            markers.resolve(config.get("x") + ".runs"),
            "run\n",
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
        Checkpoint from = Tune.getCheckpoint();
        int start = from == null ? 0 : ((Number) from.data().get("epoch")).intValue();
        for (int e = start + 1; e <= 4; e++) {
          Thread.sleep(300);
          double x = ((Number) config.get("x")).doubleValue();
          Tune.report(
              Map.of("loss", Math.abs(x - 4.5) + 1.0 / e), Checkpoint.of(Map.of("epoch", e)));
        }
      };

  static Map<String, Object> space(String markers) {
    return Map.of("x", Tune.gridSearch(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), "markers", markers);
  }

  /** args: storage directory, markers directory. */
  public static void main(String[] args) {
    Glint.init(InitOptions.builder().numCpus(2).logToDriver(false).build());
    new Tuner(
            TRAIN,
            space(args[1]),
            TuneConfig.builder().metric("loss").mode("min").numSamples(1).seed(1).build(),
            RunConfig.builder().name("resume").storagePath(args[0]).progressIntervalS(1).build())
        .fit();
    Glint.shutdown();
  }
}
