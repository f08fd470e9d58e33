package io.glint.benchmarks;

import io.glint.api.Glint;
import io.glint.api.InitOptions;
import io.glint.api.ObjectStoreStats;
import io.glint.api.PyFunction;
import io.glint.data.DataContext;
import io.glint.data.Dataset;
import io.glint.data.GlintData;
import io.glint.data.block.Blocks;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Glint Data's side of the data benchmark ({@code benchmarks/compare-data-with-ray.sh}): the same
 * Parquet files and the same Python {@code transform_fn} as Ray Data's twin ({@code
 * benchmarks/data_ray.py}). Prints Ray-shaped lines: {@code <metric> per second <rows/s>}.
 *
 * <p>Usage: {@code DataBench generate DIR ROWS FILES} or {@code DataBench run DIR OUT}.
 */
public final class DataBench {
  private DataBench() {}

  /** id, x = a pseudo-random double of id, y = id / 2: the benchmark's input columns. */
  public static VectorSchemaRoot xy(VectorSchemaRoot ids) {
    BigIntVector id = (BigIntVector) ids.getVector("id");
    int n = ids.getRowCount();
    BigIntVector oid = new BigIntVector("id", Blocks.ALLOCATOR);
    Float8Vector x = new Float8Vector("x", Blocks.ALLOCATOR);
    Float8Vector y = new Float8Vector("y", Blocks.ALLOCATOR);
    oid.allocateNew(n);
    x.allocateNew(n);
    y.allocateNew(n);
    for (int i = 0; i < n; i++) {
      long k = id.get(i);
      long h = k * 0x9E3779B97F4A7C15L;
      h ^= h >>> 31;
      oid.set(i, k);
      x.set(i, (h >>> 11) * 0x1.0p-53);
      y.set(i, k / 2.0);
    }
    oid.setValueCount(n);
    x.setValueCount(n);
    y.setValueCount(n);
    return VectorSchemaRoot.of(oid, x, y);
  }

  /** The Java twin of transform_fn: z = 2x + y. */
  public static VectorSchemaRoot transform(VectorSchemaRoot b) {
    BigIntVector id = (BigIntVector) b.getVector("id");
    Float8Vector x = (Float8Vector) b.getVector("x");
    Float8Vector y = (Float8Vector) b.getVector("y");
    int n = b.getRowCount();
    BigIntVector oid = new BigIntVector("id", Blocks.ALLOCATOR);
    Float8Vector z = new Float8Vector("z", Blocks.ALLOCATOR);
    oid.allocateNew(n);
    z.allocateNew(n);
    for (int i = 0; i < n; i++) {
      oid.set(i, id.get(i));
      z.set(i, 2 * x.get(i) + y.get(i));
    }
    oid.setValueCount(n);
    z.setValueCount(n);
    return VectorSchemaRoot.of(oid, z);
  }

  public static void main(String[] args) throws Exception {
    int cpus = Integer.getInteger("bench.cpus", 2);
    long store = Long.getLong("bench.storeMiB", 512) << 20;
    Glint.init(InitOptions.builder().numCpus(cpus).objectStoreMemory(store).build());
    DataContext.get().setProgressBars(false);
    try {
      switch (args[0]) {
        case "generate" -> {
          GlintData.range(Long.parseLong(args[2]), Integer.parseInt(args[3]))
              .mapBatches(DataBench::xy)
              .writeParquet(args[1]);
        }
        case "run" -> run(args[1], Path.of(args[2]));
        default -> throw new IllegalArgumentException("generate DIR ROWS FILES | run DIR OUT");
      }
    } finally {
      Glint.shutdown();
    }
  }

  private static void run(String in, Path out) throws Exception {
    long rows = GlintData.readParquet(in).count();
    // Warm-up: workers started, Python and the function imported, as in Ray's twin.
    GlintData.readParquet(in)
        .limit(1000)
        .mapBatches(PyFunction.of("data_bench_fns", "transform_fn"), 0)
        .count();
    line(
        "read_parquet",
        rows,
        () -> {
          Dataset read = GlintData.readParquet(in).materialize();
          if (read.count() != rows) {
            throw new IllegalStateException("read lost rows");
          }
        });
    line(
        "read->map_batches->write",
        rows,
        () ->
            GlintData.readParquet(in)
                .mapBatches(PyFunction.of("data_bench_fns", "transform_fn"), 1000)
                .writeParquet(out.resolve("py").toString()));
    line(
        "read->map_batches->write (Java fn)",
        rows,
        () ->
            GlintData.readParquet(in)
                .mapBatches(DataBench::transform, 1000)
                .writeParquet(out.resolve("java").toString()));
    line(
        "random_shuffle",
        rows,
        () -> {
          Dataset shuffled = GlintData.readParquet(in).randomShuffle(1).materialize();
          if (shuffled.count() != rows) {
            throw new IllegalStateException("shuffle lost rows");
          }
        });
    for (ObjectStoreStats s : Glint.objectStoreStats()) {
      System.out.printf(
          "object store peak %.1f MiB of %.1f MiB, spilled %.1f MiB%n",
          s.peakUsedBytes() / 1048576.0,
          s.capacityBytes() / 1048576.0,
          s.spilledBytesTotal() / 1048576.0);
    }
    Files.createDirectories(out);
  }

  private interface Work {
    void run() throws Exception;
  }

  private static void line(String metric, long rows, Work w) throws Exception {
    long t0 = System.nanoTime();
    w.run();
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("%s per second %.1f +- 0.0%n", metric, rows / s);
    System.out.printf("MARK %s%n", metric);
    System.out.flush();
  }
}
