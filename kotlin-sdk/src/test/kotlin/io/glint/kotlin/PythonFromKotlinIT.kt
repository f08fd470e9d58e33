package io.glint.kotlin

import io.glint.api.Glint
import io.glint.api.PyActorClass
import io.glint.api.PyActorMethod
import io.glint.api.PyFunction
import io.glint.testing.GlintExtension
import io.glint.testing.PythonSupport
import java.nio.file.Path
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.extension.RegisterExtension

/** A stateful Python actor and a Python function, called from Kotlin coroutines. */
class PythonFromKotlinIT {
  companion object {
    @JvmField
    @RegisterExtension
    val glint: GlintExtension =
      GlintExtension.withCluster {
        it
          .cpusPerNode(2.0)
          .pythonPath(listOf(Path.of("src/test/python").toAbsolutePath().toString()))
      }

    @JvmStatic
    @BeforeAll
    fun needsPython() {
      PythonSupport.assumeAvailable()
    }
  }

  @Test
  fun pythonActorKeepsStateAcrossKotlinCalls() = runTest {
    val counter = Glint.actor(PyActorClass.of("kotlin_it.counters", "Counter"), 100).remote()
    val increment = PyActorMethod.of("increment", Int::class.javaObjectType)
    assertEquals(101, counter.task(increment).await())
    assertEquals(111, counter.task(increment, 10).await())
    val sqrt = PyFunction.of("math", "sqrt", Double::class.javaObjectType)
    assertEquals(12.0, Glint.task(sqrt, 144).await())
    counter.kill()
  }
}
