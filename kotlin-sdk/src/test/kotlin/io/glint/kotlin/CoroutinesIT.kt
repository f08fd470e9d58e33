package io.glint.kotlin

import io.glint.api.Glint
import io.glint.api.PlacementGroups
import io.glint.api.PlacementStrategy
import io.glint.api.exception.TaskCancelledFailure
import io.glint.api.exception.TaskFailure
import io.glint.testing.GlintExtension
import java.io.File
import kotlin.random.Random
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.extension.RegisterExtension
import org.junit.jupiter.api.io.TempDir

/** The Ray core tutorial as Kotlin coroutines, against a real cluster. */
class CoroutinesIT {
  companion object {
    @JvmField
    @RegisterExtension
    val glint: GlintExtension = GlintExtension.withCluster { it.cpusPerNode(2.0) }
  }

  @TempDir lateinit var tmp: File

  @Test
  fun squareOfFour() = runTest {
    assertEquals(16, Glint.task(::square, 4).remote().await())
    assertEquals(16, Glint.task(::square, 4).await())
  }

  @Test
  fun structuredFanOutOfThousandTasks() =
    runTest(timeout = 120.seconds) {
      val results = coroutineScope {
        (0 until 1000).map { i -> async { Glint.task(::square, i).await() } }.awaitAll()
      }
      assertEquals((0 until 1000).map { it * it }, results)
      val again = (0 until 1000).map { Glint.task(::square, it).remote() }.awaitAll()
      assertEquals(results, again)
    }

  @Test
  fun awaitReadyIsANonBlockingWait() = runTest {
    val fast = (0 until 10).map { Glint.task(::slowSquare, it, 0L).remote() }
    val slow = (0 until 5).map { Glint.task(::slowSquare, it, 60_000L).remote() }
    val r =
      withContext(Dispatchers.Default) {
        (slow + fast).awaitReady(numReturns = 10, timeout = 5.seconds)
      }
    assertEquals(fast, r.ready)
    assertEquals(slow.toSet(), r.unready.toSet())
    slow.forEach { Glint.cancel(it, true) }
  }

  @Test
  fun counterActorAndConcurrentServer() =
    runTest(timeout = 60.seconds) {
      val counter = Glint.actor(::Counter).remote()
      counter.task(Counter::increment).remote()
      counter.task(Counter::increment).remote()
      assertEquals(2, counter.task(Counter::get).await())

      val server =
        Glint.actor(::Barrier, 10).remote {
          maxConcurrency = 10
          name = "kotlin-server"
        }
      val calls = (0 until 10).map { server.task(Barrier::arrive).remote() }
      assertEquals(List(10) { true }, calls.awaitAll())
      assertEquals(10, server.task(Barrier::maxInFlight).await())
      assertEquals(server.id(), namedActor<Barrier>("kotlin-server")?.id())
      counter.kill()
      server.kill()
    }

  @Test
  fun putOnceReadByHundredTasks() =
    runTest(timeout = 60.seconds) {
      val data = DoubleArray(200_000) { Random(1).nextDouble() }
      val ref = putAsync(data)
      val sums = (0 until 100).map { Glint.task(::sum, ref).remote() }.awaitAll()
      assertEquals(List(100) { data.sum() }, sums)
    }

  @Test
  fun resultsFlowInCompletionOrder() =
    runTest(timeout = 60.seconds) {
      // `late` needs `early`'s result, so it completes after it whatever the timing.
      val early = Glint.task(::slowSquare, 3, 200L).remote()
      val late = Glint.task(::square, early).remote()
      assertEquals(listOf(9, 81), listOf(late, early).asCompletedFlow().toList())
    }

  @Test
  fun remoteFailuresAreThrownUnwrapped() = runTest {
    val e = assertThrows<TaskFailure> { Glint.task(::fail, "kotlin boom").await() }
    assertEquals("java.lang.IllegalStateException", e.type())
    assertEquals("kotlin boom", e.remoteMessage())
  }

  @Test
  fun optionsBuilderValidates() {
    assertThrows<IllegalArgumentException> { Glint.task(::square, 1).remote { numCpus = -1.0 } }
  }

  @Test
  fun tasksAndActorsRunInAPlacementGroup() =
    runTest(timeout = 60.seconds) {
      val pg =
        PlacementGroups.createPlacementGroup(listOf(mapOf("CPU" to 1.0)), PlacementStrategy.PACK)
      assertTrue(withContext(Dispatchers.Default) { pg.wait(30) })
      assertEquals(9, Glint.task(::square, 3).remote { placementGroup(pg, 0) }.await())
      val counter = Glint.actor(::Counter).remote { placementGroup(pg) }
      assertEquals(1, counter.task(Counter::increment).await())
      PlacementGroups.removePlacementGroup(pg)
    }

  @Test
  fun cancellingTheScopeCancelsTheRemoteTask() =
    runTest(timeout = 60.seconds) {
      val marker = File(tmp, "not-cancelled")
      val ref = Glint.task(::sleepThenMark, 3_000L, marker.path).remote()
      val job = launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { ref.await() }
      withContext(Dispatchers.Default) { waitUntilRunning() }
      job.cancelAndJoin()
      assertThrows<TaskCancelledFailure> {
        withContext(Dispatchers.Default) { Glint.get(ref, 30_000) }
      }
      withContext(Dispatchers.Default) { Thread.sleep(3_500) }
      assertFalse(marker.exists(), "the remote task kept running after its scope was cancelled")
    }

  @Test
  fun awaitDetachedLeavesTheTaskRunning() =
    runTest(timeout = 60.seconds) {
      val ref = Glint.task(::slowSquare, 7, 500L).remote()
      val job = launch(Dispatchers.Default) { ref.awaitDetached() }
      job.cancelAndJoin()
      assertEquals(49, withContext(Dispatchers.Default) { Glint.get(ref, 30_000) })
      assertTrue(ref.isReady())
    }

  private fun waitUntilRunning() {
    val deadline = System.nanoTime() + 30_000_000_000L
    while ((Glint.availableResources()["CPU"] ?: 0.0) >= 2.0) {
      check(System.nanoTime() < deadline) { "the task never started" }
      Thread.sleep(5)
    }
  }
}
