package io.glint.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.benchmarks.Microbenchmark;
import java.util.List;
import org.junit.jupiter.api.Test;

class GlintCliTest {
  @Test
  void helpAndVersionWork() {
    assertThat(GlintCli.run("--version")).isZero();
    assertThat(GlintCli.run("microbenchmark", "--help")).isZero();
    assertThat(GlintCli.run("no-such-command")).isNotZero();
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
