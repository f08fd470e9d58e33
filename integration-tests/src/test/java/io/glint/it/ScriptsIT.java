package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell helpers behind the README's two commands. */
class ScriptsIT {
  private static final Path LIB = Path.of("..", "scripts", "lib.sh").toAbsolutePath().normalize();

  /**
   * The quickstart and the test script end with the reaper under {@code set -euo pipefail}; with no
   * worker left it must succeed (it used to fail the whole command with status 1).
   */
  @Test
  void reapingWithNothingLeftSucceedsUnderStrictMode(@TempDir Path dir) throws Exception {
    Process p =
        new ProcessBuilder(
                "bash",
                "-c",
                "set -euo pipefail; . \"$0\"; glint_reap; echo reaped",
                LIB.toString())
            .directory(dir.toFile()) // a checkout no worker runs from
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("reaped");
    assertThat(Files.exists(LIB)).isTrue();
  }
}
