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
  /** Every metric, in the order the benchmark prints them. */
  private static final List<String> METRICS = Microbenchmark.METRICS;

  @Test
  void everyWorkloadRunsAndPrintsRaysMetricNames() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    List<Microbenchmark.Result> results =
        new Microbenchmark(Microbenchmark.Scale.TINY, name -> true, out)
            .run(
                InitOptions.builder()
                    .numCpus(2)
                    .logToDriver(false)
                    .resource("custom", 100)
                    .build());
    String text = buf.toString(StandardCharsets.UTF_8);
    assertThat(results).extracting(Microbenchmark.Result::name).containsExactlyElementsOf(METRICS);
    assertThat(results).allSatisfy(r -> assertThat(r.mean()).isPositive());
    for (String m : METRICS) {
      String figure =
          m.startsWith("driver heap MiB") ? " [0-9.]+\n" : " per second [0-9.]+ \\+- [0-9.]+";
      assertThat(text).containsPattern(java.util.regex.Pattern.quote(m) + figure);
    }
    assertThat(text).contains("object out-of-scope callback fire 1k batch: not measured yet");
  }
}
