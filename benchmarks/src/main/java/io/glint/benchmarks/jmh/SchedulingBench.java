package io.glint.benchmarks.jmh;

import io.glint.internal.runtime.common.ResourceSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The node daemon's grant decision: does a request fit, and the accounting that follows. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SchedulingBench {
  private final ResourceSet available =
      ResourceSet.of(Map.of("CPU", 16.0, "GPU", 2.0, "memory", 6.4e10, "accelerator", 4.0));
  private final ResourceSet request = ResourceSet.of(Map.of("CPU", 1.0, "GPU", 0.5));

  @Benchmark
  public boolean fits() {
    return request.fitsIn(available);
  }

  @Benchmark
  public ResourceSet grantAndRelease() {
    return available.minus(request).plus(request);
  }

  @Benchmark
  public ResourceSet parseRequest() {
    return ResourceSet.of(Map.of("CPU", 1.0, "GPU", 0.5));
  }
}
