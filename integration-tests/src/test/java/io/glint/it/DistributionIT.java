package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installable Glint: the distribution archive unpacked elsewhere runs a cluster with nothing
 * but a JDK (no Maven, no repository, a bare environment).
 */
class DistributionIT {
  private static final Path ARCHIVE =
      Path.of("..", "dist", "target", "glint-0.1.0-SNAPSHOT.tar.gz").toAbsolutePath().normalize();

  @TempDir Path tmp;

  private String run(Path glint, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(glint.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("PATH", "/usr/bin:/bin");
    env.put("HOME", tmp.toString());
    Process p = pb.start();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
    return out;
  }

  @Test
  void theUnpackedArchiveRunsAClusterWithOnlyAJdk() throws Exception {
    assertThat(ARCHIVE).exists();
    Process tar =
        new ProcessBuilder("tar", "xzf", ARCHIVE.toString(), "-C", tmp.toString())
            .inheritIO()
            .start();
    assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Path home = tmp.resolve("glint-0.1.0-SNAPSHOT");
    Path glint = home.resolve("bin/glint");
    assertThat(Files.isExecutable(glint)).isTrue();
    assertThat(home.resolve("python/glint/__init__.py")).exists();
    assertThat(run(glint, "--version")).contains("glint 0.1.0");
    String temp = "--temp-dir=" + tmp.resolve("state");
    try {
      assertThat(
              run(
                  glint,
                  "start",
                  "--head",
                  "--port=0",
                  temp,
                  "--num-cpus=1",
                  "--object-store-memory=64m"))
          .contains("Glint head started");
      assertThat(run(glint, "status", temp)).contains(" 1 node").contains("0/1 CPU");
    } finally {
      assertThat(run(glint, "stop", temp)).contains("Stopped 2 Glint processes");
    }
  }
}
