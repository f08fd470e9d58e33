package io.glint.kotlin

import io.glint.kotlin.tune.double
import io.glint.kotlin.tune.int
import io.glint.kotlin.tune.report
import io.glint.kotlin.tune.runConfig
import io.glint.kotlin.tune.trainable
import io.glint.kotlin.tune.tuneConfig
import io.glint.testing.GlintExtension
import io.glint.tune.Tune
import io.glint.tune.Tuner
import io.glint.tune.schedulers.AshaScheduler
import java.io.File
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.extension.RegisterExtension
import org.junit.jupiter.api.io.TempDir

/**
 * Glint Tune from Kotlin: a Kotlin lambda as the trainable, its trials actors on a real cluster.
 */
class TuneKotlinIT {
  companion object {
    @JvmField
    @RegisterExtension
    val glint: GlintExtension = GlintExtension.withCluster { it.cpusPerNode(2.0) }
  }

  @TempDir lateinit var tmp: File

  @Test
  fun aKotlinTrainableRunsAsActors() {
    val train = trainable { config ->
      repeat(config.int("epochs")) { epoch ->
        val lr = config.double("lr")
        report(
          "loss" to Math.abs(Math.log10(lr) + 2) + 1.0 / (epoch + 1),
          "pid" to ProcessHandle.current().pid(),
        )
      }
    }
    val grid =
      Tuner(
          train,
          mapOf("lr" to Tune.gridSearch(1e-3, 1e-2, 1e-1), "epochs" to 4),
          tuneConfig {
            metric("loss")
            mode("min")
            scheduler(AshaScheduler(4, 1, 2.0))
          },
          runConfig {
            name("kotlin")
            storagePath(tmp.path)
            verbose(false)
          },
        )
        .fit()
    assertEquals(3, grid.size())
    assertTrue(grid.errors().isEmpty())
    assertEquals(1e-2, grid.bestResult.config()["lr"])
    val pids = grid.results().flatMap { r -> r.metricsHistory().map { it["pid"] } }.toSet()
    assertTrue(ProcessHandle.current().pid() !in pids, "trials ran in their actors, not the driver")
  }
}
