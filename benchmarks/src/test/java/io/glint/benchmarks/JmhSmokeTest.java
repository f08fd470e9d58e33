package io.glint.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs each JMH benchmark once, in-process and briefly, so none rots. Asserts no speed. */
class JmhSmokeTest {
  @Test
  void everyJmhBenchmarkRuns() throws Exception {
    Options opts =
        new OptionsBuilder()
            .include("io.glint.benchmarks.jmh.*")
            .forks(0)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(20))
            .param("size", "1024")
            .shouldFailOnError(true)
            .build();
    Collection<RunResult> results = new Runner(opts).run();
    assertThat(results).hasSize(6 + 3 + 2);
  }
}
