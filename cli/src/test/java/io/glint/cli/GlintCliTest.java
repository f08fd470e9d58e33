package io.glint.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.benchmarks.Microbenchmark;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class GlintCliTest {
  @Test
  void helpAndVersionWork() {
    assertThat(GlintCli.run("--version")).isZero();
    assertThat(GlintCli.run("microbenchmark", "--help")).isZero();
    assertThat(GlintCli.run("no-such-command")).isNotZero();
  }

  /** Runs the CLI capturing stderr. */
  private static String[] runCapturing(String... args) {
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      int code = GlintCli.run(args);
      return new String[] {
        Integer.toString(code), buf.toString(java.nio.charset.StandardCharsets.UTF_8)
      };
    } finally {
      System.setErr(err);
    }
  }

  @Test
  void userMistakesGetOneLineAndExitCodeTwo(@org.junit.jupiter.api.io.TempDir Path dir) {
    String[][] cases = {
      {"microbenchmark", "--num-cpus=-1"},
      {"microbenchmark", "--num-cpus=0"},
      {"microbenchmark", "--num-cpus=lots"},
      {"microbenchmark", "--filter", "no such metric"},
      {"microbenchmark", "--json", dir.resolve("missing/dir/out.json").toString()},
      {"microbenchmark", "--json", dir.toString()},
      {"microbenchmark", "--no-such-flag"},
    };
    for (String[] c : cases) {
      String[] r = runCapturing(c);
      assertThat(r[0]).as(String.join(" ", c)).isEqualTo("2");
      assertThat(r[1].strip().lines().count()).as(r[1]).isEqualTo(1);
      assertThat(r[1]).doesNotContain("\tat ").doesNotContain("Exception");
    }
    assertThat(runCapturing("microbenchmark", "--filter", "nope")[1])
        .contains("single client tasks sync");
    assertThat(runCapturing("microbenchmark", "--num-cpus=0")[1]).contains("at least 1 CPU");
  }

  @Test
  void resultsAreWrittenAsJson() {
    String json =
        GlintCli.MicrobenchmarkCommand.toJson(
            List.of(new Microbenchmark.Result("1:1 actor calls sync", 1234.5, 6.25)));
    assertThat(json)
        .contains("\"name\": \"1:1 actor calls sync\", \"mean\": 1234.5000, \"stdev\": 6.2500");
  }
}
