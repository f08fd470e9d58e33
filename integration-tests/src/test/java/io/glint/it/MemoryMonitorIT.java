package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.Glint;
import io.glint.api.exception.OutOfMemoryFailure;
import io.glint.testing.GlintExtension;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's memory monitor, under a limit set by the test (the workers' resident memory against
 * 1.2 GB), never the machine's memory: a task that eats memory without bound is killed with the
 * typed failure, a retriable one runs again, and the node keeps working.
 */
class MemoryMonitorIT {
  static {
    System.setProperty("glint.memoryLimitBytes", "1200m");
    System.setProperty("glint.memoryMonitorRefreshMs", "100");
  }

  @RegisterExtension
  static final GlintExtension glint = GlintExtension.withCluster(b -> b.cpusPerNode(2));

  @TempDir Path tmp;

  @AfterAll
  static void clearLimit() {
    System.clearProperty("glint.memoryLimitBytes");
    System.clearProperty("glint.memoryMonitorRefreshMs");
  }

  /** Holds off-heap memory, 64 MiB at a time and touched, up to {@code maxMib} (then gives up). */
  public static String hog(int maxMib) throws InterruptedException {
    List<MemorySegment> held = new ArrayList<>();
    for (int mib = 0; mib < maxMib; mib += 64) {
      MemorySegment s = Arena.ofAuto().allocate(64L << 20);
      s.fill((byte) 1);
      held.add(s);
      Thread.sleep(50);
    }
    return "survived holding " + held.size() * 64 + " MiB";
  }

  /** Eats memory on its first run only (a marker file tells the runs apart). */
  public static String hogOnce(String marker) throws Exception {
    Path m = Path.of(marker);
    if (!Files.exists(m)) {
      Files.writeString(m, "first run");
      return hog(4096);
    }
    return "second run";
  }

  @Test
  void aTaskThatEatsMemoryIsKilledWithTheTypedFailureAndTheNodeKeepsWorking() {
    assertThatThrownBy(
            () ->
                Glint.get(
                    Glint.task(MemoryMonitorIT::hog, 4096).setMaxRetries(0).remote(), 120_000))
        .isInstanceOfSatisfying(
            OutOfMemoryFailure.class, e -> assertThat(e.type()).isEqualTo("OutOfMemoryError"))
        .hasMessageContaining("crossed the threshold of 95%")
        .hasMessageContaining("MemoryMonitorIT.hog");
    assertThat(Glint.get(Glint.task(Fns::square, 7).remote(), 60_000)).isEqualTo(49);
  }

  @Test
  void aRetriableTaskKilledForMemoryRunsAgain() {
    String marker = tmp.resolve("ran").toString();
    assertThat(
            Glint.get(
                Glint.task(MemoryMonitorIT::hogOnce, marker).setMaxRetries(1).remote(), 120_000))
        .isEqualTo("second run");
  }
}
