package io.glint.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.InitOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs every microbenchmark once at a tiny size so none of them rots. Asserts no speed. */
class MicrobenchmarkIT {
  static final List<String> METRICS =
      List.of(
          "single client get calls (Plasma Store)",
          "single client put calls (Plasma Store)",
          "multi client put calls (Plasma Store)",
          "single client put gigabytes",
          "arrow get gigabytes",
          "single client tasks and get batch",
          "multi client put gigabytes",
          "single client get object containing 10k refs",
          "single client wait 1k refs",
          "single client tasks sync",
          "single client tasks async",
          "multi client tasks async",
          "1:1 actor calls sync",
          "1:1 actor calls async",
          "1:1 actor calls concurrent",
          "1:n actor calls async",
          "n:n actor calls async",
          "n:n actor calls with arg async",
          "1:1 async-actor calls sync",
          "1:1 async-actor calls async",
          "1:1 async-actor calls with args async",
          "1:n async-actor calls async",
          "n:n async-actor calls async",
          "python task round trip",
          "python actor calls async",
          "python arrow task gigabytes");

  @Test
  void everyWorkloadRunsAndPrintsRaysMetricNames() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    List<Microbenchmark.Result> results =
        new Microbenchmark(Microbenchmark.Scale.TINY, name -> true, out)
            .run(InitOptions.builder().numCpus(2).logToDriver(false).build());
    String text = buf.toString(StandardCharsets.UTF_8);
    assertThat(results).extracting(Microbenchmark.Result::name).containsExactlyElementsOf(METRICS);
    assertThat(results).allSatisfy(r -> assertThat(r.mean()).isPositive());
    for (String m : METRICS) {
      assertThat(text)
          .containsPattern(java.util.regex.Pattern.quote(m) + " per second [0-9.]+ \\+- [0-9.]+");
    }
    assertThat(text).contains("placement group create/removal: not measured yet");
  }
}
