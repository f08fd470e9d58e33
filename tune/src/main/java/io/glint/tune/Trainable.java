package io.glint.tune;

import java.io.Serializable;
import java.util.Map;

/**
 * A training function: gets its trial's config and calls {@link Tune#report} after each epoch (Ray
 * Tune's function trainable). It runs in its trial's actor, so a lambda or method reference must be
 * serializable (this interface is) and may capture only serializable values.
 *
 * <pre>{@code
 * Trainable train = config -> {
 *   for (int epoch = 0; epoch < 10; epoch++) {
 *     double loss = trainEpoch((double) config.get("lr"), (int) config.get("batch_size"));
 *     Tune.report(Map.of("loss", loss));
 *   }
 * };
 * }</pre>
 */
@FunctionalInterface
public interface Trainable extends Serializable {
  void train(Map<String, Object> config) throws Exception;
}
