package io.glint.kotlin

import java.io.File
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

// Remote functions and actors for the Kotlin tests; workers load them from the test classes.

fun square(x: Int): Int = x * x

fun slowSquare(x: Int, millis: Long): Int {
  Thread.sleep(millis)
  return x * x
}

fun sleepThenMark(millis: Long, marker: String): String {
  Thread.sleep(millis)
  File(marker).createNewFile()
  return "finished"
}

fun fail(message: String): Int = throw IllegalStateException(message)

fun sum(data: DoubleArray): Double = data.sum()

class Counter {
  private var value = 0

  fun increment(): Int = ++value

  fun get(): Int = value
}

class Barrier(parties: Int) {
  private val latch = CountDownLatch(parties)
  private val inFlight = AtomicInteger()
  private val maxInFlight = AtomicInteger()

  fun arrive(): Boolean {
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), ::maxOf)
    latch.countDown()
    val all = latch.await(30, TimeUnit.SECONDS)
    inFlight.decrementAndGet()
    return all
  }

  fun maxInFlight(): Int = maxInFlight.get()
}
