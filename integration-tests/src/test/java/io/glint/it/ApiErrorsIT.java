package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.Glint;
import io.glint.api.InitOptions;
import io.glint.api.exception.NotInitializedException;
import io.glint.testing.TestCluster;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear error. */
class ApiErrorsIT {
  @Test
  void usingTheApiBeforeInitFailsClearly() {
    assertThat(Glint.isInitialized()).isFalse();
    assertThatThrownBy(() -> Glint.task(Fns::square, 4).remote())
        .isInstanceOf(NotInitializedException.class)
        .hasMessageContaining("Glint.init()");
    assertThatThrownBy(() -> Glint.put(1)).isInstanceOf(NotInitializedException.class);
  }

  @Test
  void badResourceAmountsAreRejectedWithTheProblem() {
    try (TestCluster c = TestCluster.builder().cpusPerNode(1).start()) {
      assertThatThrownBy(() -> Glint.task(Fns::square, 1).setResource("CPU", -1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must not be negative");
      assertThatThrownBy(() -> Glint.task(Fns::square, 1).setResource("GPU", 0.12345))
          .hasMessageContaining("at most 4 decimal places");
      assertThatThrownBy(() -> Glint.task(Fns::square, 1).setResource("GPU", 1.5))
          .hasMessageContaining("whole number");
      assertThatThrownBy(() -> Glint.task(Fns::square, 1).setResource("", 1))
          .hasMessageContaining("name must not be empty");
      assertThatThrownBy(() -> Glint.task(Fns::square, 1).setResource("CPU", Double.NaN))
          .hasMessageContaining("finite");
      assertThatThrownBy(
              () -> Glint.task(Fns::square, 1).setResource("CPU", 1).setResource("CPU", 2))
          .hasMessageContaining("already set to 1.0")
          .hasMessageContaining("2.0");
      assertThatThrownBy(() -> Glint.actor(Actors.Counter::new).setMaxConcurrency(0))
          .hasMessageContaining("maxConcurrency must be >= 1");
      assertThatThrownBy(() -> Glint.wait(java.util.List.of(), 1))
          .hasMessageContaining("numReturns");
    }
  }

  @Test
  void initOptionsRejectBadValues() {
    assertThatThrownBy(() -> InitOptions.builder().numCpus(-2))
        .hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> InitOptions.builder().numCpus(2).numCpus(3))
        .hasMessageContaining("numCpus was already set");
  }

  @Test
  void initTwiceFailsAndShutdownIsIdempotent() {
    try (TestCluster c = TestCluster.builder().cpusPerNode(1).start()) {
      assertThatThrownBy(Glint::init).hasMessageContaining("already initialized");
    }
    Glint.shutdown();
    assertThat(Glint.isInitialized()).isFalse();
  }
}
