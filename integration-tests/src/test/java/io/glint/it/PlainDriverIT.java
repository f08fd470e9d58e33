package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The quickstart as a user runs it: {@code java -cp ... Main} with no JVM flags, an embedded
 * cluster, worker output forwarded to the driver's console, nothing left running afterwards.
 */
class PlainDriverIT {
  @Test
  void quickstartRunsWithAPlainJavaCommand() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-Dglint.numCpus=2",
                // The test's temp directory (under target/), not the machine's.
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "io.glint.examples.Quickstart")
            .redirectErrorStream(true);
    pb.environment().remove("GLINT_ADDRESS");
    Process p = pb.start();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out)
        .contains("square(4) = 16")
        .contains("1000 squares: first [0, 1, 4, 9, 16], last 998001")
        .contains("wait(numReturns=10, timeout=5s): 10 ready, 30 remaining")
        .contains("counter = 2")
        .contains("max concurrent predict calls: 10")
        .contains("(all equal: true)")
        .containsPattern("\\(pid=\\d+\\) hello world from a task")
        .doesNotContain("WARNING")
        .doesNotContain("Exception");
    List<ProcessHandle> left =
        ProcessHandle.allProcesses()
            .filter(h -> h.info().commandLine().orElse("").contains("WorkerMain"))
            .filter(h -> h.parent().map(pp -> pp.pid() == p.pid()).orElse(false))
            .toList();
    assertThat(left).isEmpty();
  }

  /** A mistake in the settings ends the quickstart at once with one line and exit code 2. */
  @Test
  void badSettingsEndTheQuickstartWithOneLine() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String[][] cases = {
      {"-Dglint.numCpus=0", "at least 1 CPU"},
      {"-Dglint.objectStoreMemory=banana", "-Dglint.objectStoreMemory='banana'"},
      {"-Dglint.objectStoreMemory=100t", "more than this machine's memory"},
    };
    for (String[] c : cases) {
      ProcessBuilder pb =
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                  c[0],
                  "io.glint.examples.Quickstart")
              .redirectErrorStream(true);
      pb.environment().remove("GLINT_ADDRESS");
      Process p = pb.start();
      String out;
      try (var in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isEqualTo(2);
      // One line says what is wrong (besides the dashboard's login link, when the driver got
      // that far: it is information, printed once the driver is up).
      assertThat(out.strip().lines().filter(l -> !l.startsWith("Glint dashboard (")).count())
          .as(out)
          .isEqualTo(1);
      assertThat(out).contains(c[1]).doesNotContain("\tat ");
    }
  }
}
