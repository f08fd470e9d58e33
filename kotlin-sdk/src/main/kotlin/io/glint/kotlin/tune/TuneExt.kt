package io.glint.kotlin.tune

import io.glint.tune.Checkpoint
import io.glint.tune.RunConfig
import io.glint.tune.Trainable
import io.glint.tune.Tune
import io.glint.tune.TuneConfig

/**
 * Kotlin-shaped Glint Tune (needs `glint-tune` on the class path):
 * ```
 * val train = trainable { config ->
 *   repeat(config.int("epochs")) { epoch -> report("loss" to trainEpoch(config.double("lr"), epoch)) }
 * }
 * val grid = Tuner(train, mapOf("lr" to Tune.loguniform(1e-4, 1e-1), "epochs" to 10),
 *     tuneConfig { metric("loss"); mode("min"); numSamples(50) }).fit()
 * ```
 */
public fun trainable(body: TrainableBody): Trainable = Trainable { config -> body.train(config) }

/** A trainable's body; a `fun interface` so a Kotlin lambda becomes a serializable class. */
public fun interface TrainableBody : java.io.Serializable {
  public fun train(config: Map<String, Any?>)
}

/** [Tune.report] with Kotlin pairs: `report("loss" to loss, "acc" to acc)`. */
public fun report(vararg metrics: Pair<String, Any>): Unit = Tune.report(mapOf(*metrics))

/** [Tune.report] with a checkpoint to resume from. */
public fun report(checkpoint: Checkpoint, vararg metrics: Pair<String, Any>): Unit =
  Tune.report(mapOf(*metrics), checkpoint)

/** A checkpoint from Kotlin pairs. */
public fun checkpoint(vararg data: Pair<String, Any>): Checkpoint = Checkpoint.of(mapOf(*data))

/** A config value as a Double (numbers of any type). */
public fun Map<String, Any?>.double(key: String): Double = number(key).toDouble()

/** A config value as an Int. */
public fun Map<String, Any?>.int(key: String): Int = number(key).toInt()

private fun Map<String, Any?>.number(key: String): Number =
  this[key] as? Number
    ?: throw IllegalArgumentException("config \"$key\" is not a number: ${this[key]}")

/** `tuneConfig { metric("loss"); mode("min"); numSamples(50) }`. */
public fun tuneConfig(block: TuneConfig.Builder.() -> Unit): TuneConfig =
  TuneConfig.builder().apply(block).build()

/** `runConfig { name("exp"); storagePath("/tmp/results") }`. */
public fun runConfig(block: RunConfig.Builder.() -> Unit): RunConfig =
  RunConfig.builder().apply(block).build()
