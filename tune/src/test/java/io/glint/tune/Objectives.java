package io.glint.tune;

import java.util.Map;

/** Synthetic training functions with known optima, for the statistical checks. */
final class Objectives {
  private Objectives() {}

  /** Final loss of a config: best at lr = 1e-2, worse with larger batches. */
  static double finalLoss(Map<String, Object> c) {
    double lr = ((Number) c.get("lr")).doubleValue();
    double b = ((Number) c.get("batch_size")).doubleValue();
    return Math.pow(Math.log10(lr) + 2, 2) + 0.001 * b;
  }

  /** A learning curve: decreasing to the config's final loss, with a per-config wiggle. */
  static double loss(Map<String, Object> c, int epoch) {
    double wiggle =
        Math.abs((c.get("lr").hashCode() * 31 + c.get("batch_size").hashCode()) % 1000) / 1000.0;
    return finalLoss(c) + (1.0 + 0.1 * wiggle) / epoch;
  }

  /** The seed's trainable: reports the loss each epoch, checkpointing the epoch. */
  static final Trainable CURVE =
      config -> {
        Checkpoint from = Tune.getCheckpoint();
        int start = from == null ? 0 : ((Number) from.data().get("epoch")).intValue();
        int epochs = ((Number) config.getOrDefault("epochs", 27)).intValue();
        for (int epoch = start + 1; epoch <= epochs; epoch++) {
          Tune.report(
              Map.of("loss", loss(config, epoch), "epoch_seen", epoch),
              Checkpoint.of(Map.of("epoch", epoch)));
        }
      };
}
