package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.Glint;
import io.glint.api.ObjectStoreStats;
import io.glint.api.PyFunction;
import io.glint.api.exception.TaskFailure;
import io.glint.data.ActorPoolStrategy;
import io.glint.data.AggregateFn;
import io.glint.data.BatchFn;
import io.glint.data.DataContext;
import io.glint.data.Dataset;
import io.glint.data.GlintData;
import io.glint.data.block.Blocks;
import io.glint.testing.GlintExtension;
import io.glint.testing.PythonSupport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Glint Data on a real cluster: the seed's read -> mapBatches -> write pipeline streaming a Parquet
 * dataset three times the object store's size through it (sized up with {@code
 * -Dglint.it.dataStoreMiB=512 -Dglint.it.dataMiB=1536}), a Python step reading the store's memory
 * in place, an actor pool loading its model once per actor, shuffles and aggregations.
 */
class DataIT {
  static final long STORE_MIB = Long.getLong("glint.it.dataStoreMiB", 64);
  static final long DATA_MIB = Long.getLong("glint.it.dataMiB", 3 * STORE_MIB);

  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(
          b ->
              b.cpusPerNode(4)
                  .objectStoreMemory(STORE_MIB << 20)
                  // S3 credentials for moto, as a worker would take them from its environment
                  .workerJvmOptions(
                      List.of("-Daws.accessKeyId=testing", "-Daws.secretAccessKey=testing"))
                  .pythonPath(List.of(Path.of("src/test/python").toAbsolutePath().toString())));

  @TempDir Path dir;

  @AfterEach
  void quiet() {
    DataContext.get().setProgressBars(false).setProgressOutput(System.err);
  }

  static final Schema XY =
      new Schema(
          List.of(
              new Field("id", FieldType.notNullable(new ArrowType.Int(64, true)), null),
              new Field(
                  "x",
                  FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
                  null),
              new Field(
                  "y",
                  FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
                  null)));

  /** A pseudo-random double of an id (incompressible, yet recomputable from the id). */
  static double xOf(long id) {
    long h = id * 0x9E3779B97F4A7C15L;
    h ^= h >>> 31;
    return (h >>> 11) * 0x1.0p-53;
  }

  /** Columns x and y for a block of ids: x = xOf(id), y = id / 2. */
  public static VectorSchemaRoot xy(VectorSchemaRoot ids) {
    BigIntVector id = (BigIntVector) ids.getVector("id");
    int n = ids.getRowCount();
    VectorSchemaRoot out = VectorSchemaRoot.create(XY, Blocks.ALLOCATOR);
    out.allocateNew();
    BigIntVector oid = (BigIntVector) out.getVector("id");
    Float8Vector x = (Float8Vector) out.getVector("x");
    Float8Vector y = (Float8Vector) out.getVector("y");
    for (int i = 0; i < n; i++) {
      oid.setSafe(i, id.get(i));
      x.setSafe(i, xOf(id.get(i)));
      y.setSafe(i, id.get(i) / 2.0);
    }
    oid.setValueCount(n);
    x.setValueCount(n);
    y.setValueCount(n);
    out.setRowCount(n);
    return out;
  }

  /** The seed's transform_fn, in Java: z = 2x + y. */
  public static VectorSchemaRoot transform(VectorSchemaRoot batch) {
    BigIntVector id = (BigIntVector) batch.getVector("id");
    Float8Vector x = (Float8Vector) batch.getVector("x");
    Float8Vector y = (Float8Vector) batch.getVector("y");
    int n = batch.getRowCount();
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

  /** Writes {@code rows} rows of id, x, y as {@code files} Parquet files (one row group each). */
  static Path generate(Path where, long rows, int files) {
    List<String> written =
        GlintData.range(rows, files).mapBatches(DataIT::xy).writeParquet(where.toString());
    assertThat(written).hasSize(files);
    return where;
  }

  @Test
  void theSeedPipelineStreamsADatasetLargerThanTheObjectStore() throws Exception {
    long rows = (DATA_MIB << 20) / 15; // ~15 bytes a row in Parquet, 24 in Arrow
    int files = (int) Math.max(8, DATA_MIB / 8); // blocks of ~13 MiB in the store
    Path input = generate(dir.resolve("in"), rows, files);
    long inputBytes;
    try (var s = Files.list(input)) {
      inputBytes = s.mapToLong(p -> p.toFile().length()).sum();
    }
    assertThat(inputBytes).isGreaterThan((long) (2.5 * (STORE_MIB << 20)));

    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    DataContext.get()
        .setProgressBars(true)
        .setProgressOutput(new PrintStream(progress, true, StandardCharsets.UTF_8));
    Dataset ds = GlintData.readParquet(input.toString());
    assertThat(ds.count()).as("from the footers").isEqualTo(rows);
    Dataset out = ds.mapBatches(DataIT::transform, 1000);
    assertThat(out.explain()).contains("MapBatches").contains("ReadParquet");
    List<String> files2 = out.writeParquet(dir.resolve("out").toString());
    assertThat(files2).hasSize(files).allMatch(f -> f.endsWith(".parquet"));
    String shown = progress.toString(StandardCharsets.UTF_8);
    System.out.print(shown.substring(Math.max(0, shown.length() - 400)));
    assertThat(shown)
        .contains("ReadParquet->MapBatches(")
        .contains("->WriteParquet")
        .contains("rows");
    System.out.println(out.stats());
    assertThat(out.stats().operators().get(0).rowsOut()).as("rows written").isEqualTo(rows);
    // The same numbers as metrics (what the dashboard and Prometheus read from this driver).
    assertThat(io.glint.api.internal.MetricRegistry.get().snapshot())
        .anySatisfy(
            m -> {
              assertThat(m.name()).isEqualTo("glint_data_rows_output");
              assertThat(m.tags().get("operator")).contains("ReadParquet->MapBatches(");
              assertThat(m.value()).isEqualTo((double) rows);
            });

    for (ObjectStoreStats s : Glint.objectStoreStats()) {
      System.out.printf(
          "input %.1f MiB of Parquet, store %d MiB: peak use %.1f MiB, spilled %d bytes%n",
          inputBytes / 1048576.0, STORE_MIB, s.peakUsedBytes() / 1048576.0, s.spilledBytesTotal());
      assertThat(s.spilledBytesTotal())
          .as("the pipeline stayed inside the store: nothing spilled on " + s.nodeId())
          .isZero();
      assertThat(s.peakUsedBytes()).isLessThanOrEqualTo(s.capacityBytes());
    }
    assertThat(out.stats().peakHeldBytes())
        .isLessThanOrEqualTo(DataContext.get().memoryBudgetBytes() + (32L << 20));

    // Row by row: every id once, z = 2x + y.
    BitSet seen = new BitSet();
    List<Long> wrong = new ArrayList<>();
    long checked = 0;
    try (var it = GlintData.readParquet(dir.resolve("out").toString()).iterBatches()) {
      while (it.hasNext()) {
        VectorSchemaRoot b = it.next();
        BigIntVector id = (BigIntVector) b.getVector("id");
        Float8Vector z = (Float8Vector) b.getVector("z");
        for (int i = 0; i < b.getRowCount(); i++) {
          long k = id.get(i);
          assertThat(seen.get((int) k)).as("id %d twice", k).isFalse();
          seen.set((int) k);
          if (z.get(i) != 2 * xOf(k) + k / 2.0 && wrong.size() < 10) {
            wrong.add(k);
          }
          checked++;
        }
      }
    }
    assertThat(wrong).as("ids whose z is not 2x + y").isEmpty();
    assertThat(checked).isEqualTo(rows);
    assertThat(seen.cardinality()).isEqualTo((int) rows);
  }

  @Test
  void aPythonMapBatchesStepReadsTheStoresMemoryInPlace() {
    PythonSupport.assumeAvailable();
    Path input = generate(dir.resolve("in"), 20_000, 4);
    Dataset ds =
        GlintData.readParquet(input.toString())
            .mapBatches(PyFunction.of("glint_it.data_fns", "transform_fn"), 1000);
    List<Map<String, Object>> rows = ds.takeAll();
    assertThat(rows).hasSize(20_000);
    Set<Object> memory = new HashSet<>();
    for (Map<String, Object> r : rows) {
      memory.add(r.get("x_memory"));
      assertThat(r.get("batch_rows")).isEqualTo(1000L);
    }
    // Each batch's x column lies inside the stored block it came from: no copy on the way in.
    assertThat(memory)
        .hasSize(4)
        .allSatisfy(m -> assertThat((String) m).contains("/glint-session"));

    assertThatThrownBy(
            () ->
                GlintData.range(10)
                    .mapBatches(PyFunction.of("glint_it.data_fns", "not_a_table"), 0)
                    .takeAll())
        .isInstanceOfSatisfying(TaskFailure.class, f -> assertThat(f.type()).isEqualTo("TypeError"))
        .hasMessageContaining("returns a pyarrow.Table");
  }

  /** The seed's Python pipeline as written, with glint.data for ray.data, run inside a task. */
  @Test
  @SuppressWarnings("unchecked")
  void theSeedsPythonPipelineRunsAsWritten() {
    PythonSupport.assumeAvailable();
    Path input = generate(dir.resolve("in"), 20_000, 4);
    String out = dir.resolve("out").toString();
    List<String> written =
        (List<String>)
            Glint.get(
                Glint.task(
                        PyFunction.of("glint_it.data_fns", "seed_pipeline"), input.toString(), out)
                    .remote(),
                120_000);
    assertThat(written).hasSize(4).allMatch(p -> p.startsWith(out) && p.endsWith(".parquet"));
    long rows = 0;
    for (Map<String, Object> r : GlintData.readParquet(out).iterRows()) {
      long id = (long) r.get("id");
      assertThat((double) r.get("z")).isEqualTo(2 * xOf(id) + id / 2.0);
      rows++;
    }
    assertThat(rows).isEqualTo(20_000);

    Map<String, Object> names =
        (Map<String, Object>)
            Glint.get(
                Glint.task(PyFunction.of("glint_it.data_fns", "python_names"), input.toString())
                    .remote(),
                120_000);
    assertThat(names.get("count")).isEqualTo(20_000L);
    assertThat((List<Object>) names.get("schema")).containsExactly("id", "y");
    assertThat((List<Object>) names.get("top")).containsExactly(19_999L, 19_998L, 19_997L);
    assertThat(names.get("sums").toString()).isEqualTo("[[0, 20], [1, 25]]");

    assertThatThrownBy(
            () ->
                Glint.get(
                    Glint.task(PyFunction.of("glint_it.data_fns", "bad_step"), input.toString())
                        .remote(),
                    60_000))
        .isInstanceOfSatisfying(TaskFailure.class, f -> assertThat(f.type()).isEqualTo("TypeError"))
        .hasMessageContaining("not supported from Python");
  }

  /** A "model": loads once per actor (counted per process), then scores batches. */
  public static final class Model implements BatchFn {
    static final AtomicInteger LOADS = new AtomicInteger();
    private final String id;

    public Model() throws InterruptedException {
      Thread.sleep(200); // the expensive load
      this.id = ManagementFactory.getRuntimeMXBean().getPid() + "/" + LOADS.incrementAndGet();
    }

    @Override
    public VectorSchemaRoot apply(VectorSchemaRoot batch) {
      BigIntVector id = (BigIntVector) batch.getVector("id");
      List<Map<String, Object>> out = new ArrayList<>();
      for (int i = 0; i < batch.getRowCount(); i++) {
        out.add(Map.of("id", id.get(i), "score", id.get(i) * 0.5, "model", this.id));
      }
      return Blocks.fromRows(out);
    }
  }

  @Test
  void batchInferenceRunsInAPoolOfActorsThatLoadTheModelOnce() {
    Dataset scored =
        GlintData.range(10_000, 20)
            .mapBatches(Model::new, ActorPoolStrategy.of(2), 100)
            .filter(r -> (long) r.get("id") % 2 == 0);
    List<Map<String, Object>> rows = scored.takeAll();
    assertThat(rows).hasSize(5_000);
    Set<Object> models = new HashSet<>();
    for (Map<String, Object> r : rows) {
      assertThat((double) r.get("score")).isEqualTo((long) r.get("id") * 0.5);
      models.add(r.get("model"));
    }
    // Two actors, each loading once in its own process: "<pid>/1" twice, different pids.
    assertThat(models).hasSize(2).allSatisfy(m -> assertThat((String) m).endsWith("/1"));
  }

  @Test
  void rowTransformsShufflesAndAggregations() {
    Dataset nums = GlintData.range(1_000, 7);
    assertThat(nums.count()).isEqualTo(1_000);
    assertThat(nums.schema().getFields()).extracting(Field::getName).containsExactly("id");
    assertThat(nums.take(3)).extracting(r -> r.get("id")).containsExactly(0L, 1L, 2L);

    Dataset shaped =
        nums.map(r -> Map.of("id", r.get("id"), "sq", (long) r.get("id") * (long) r.get("id")))
            .filter(r -> (long) r.get("id") < 100)
            .flatMap(r -> List.of(r, r))
            .addColumn("g", r -> (long) r.get("id") % 3)
            .dropColumns("sq");
    assertThat(shaped.count()).isEqualTo(200);
    assertThat(shaped.take(1).get(0).keySet()).containsExactly("id", "g");
    assertThat(shaped.selectColumns("g").take(1).get(0).keySet()).containsExactly("g");

    List<Object> shuffled = nums.randomShuffle(7).takeAll().stream().map(r -> r.get("id")).toList();
    assertThat(shuffled).hasSize(1_000).doesNotHaveDuplicates().isNotEqualTo(sortedIds(1_000));

    List<Object> sorted =
        nums.randomShuffle(3).sort("id", true).takeAll().stream().map(r -> r.get("id")).toList();
    List<Object> desc = new ArrayList<>(sortedIds(1_000));
    java.util.Collections.reverse(desc);
    assertThat(sorted).isEqualTo(desc);

    Dataset three = nums.repartition(3);
    assertThat(three.takeAll().stream().map(r -> r.get("id")).toList()).isEqualTo(sortedIds(1_000));
    assertThat(three.stats().operators().get(1).blocksOut()).isEqualTo(3);

    List<Map<String, Object>> groups =
        nums.addColumn("g", r -> (long) r.get("id") % 3)
            .groupBy("g")
            .aggregate(
                AggregateFn.count(),
                AggregateFn.sum("id"),
                AggregateFn.mean("id"),
                AggregateFn.max("id"))
            .takeAll();
    assertThat(groups).hasSize(3);
    assertThat(groups.get(0))
        .containsEntry("g", 0L)
        .containsEntry("count()", 334L)
        .containsEntry("sum(id)", 166_833L)
        .containsEntry("max(id)", 999L);
    assertThat((double) groups.get(1).get("mean(id)")).isEqualTo(499.0);

    assertThat(GlintData.range(5).union(GlintData.range(3)).takeAll()).hasSize(8);
    List<Map<String, Object>> zipped =
        GlintData.range(10, 3)
            .zip(GlintData.range(10, 4).map(r -> Map.of("id", (long) r.get("id") * 10)))
            .takeAll();
    assertThat(zipped.get(7)).containsEntry("id", 7L).containsEntry("id_1", 70L);
    assertThat(GlintData.range(100_000).limit(5).count()).isEqualTo(5);

    Dataset items = GlintData.fromItems(List.of(1, 2, 3));
    assertThat(items.takeAll()).extracting(r -> r.get("item")).containsExactly(1, 2, 3);
  }

  @Test
  void csvAndJsonOutAndBackIn() {
    Dataset ds = GlintData.range(100, 2).addColumn("name", r -> "n" + r.get("id"));
    List<String> csv = ds.writeCsv(dir.resolve("csv").toString());
    List<String> json = ds.writeJson(dir.resolve("json").toString());
    assertThat(csv).hasSize(2);
    assertThat(GlintData.readCsv(dir.resolve("csv").toString()).sort("id").take(2))
        .containsExactly(Map.of("id", 0L, "name", "n0"), Map.of("id", 1L, "name", "n1"));
    assertThat(GlintData.readJson(dir.resolve("json") + "/*.json").count()).isEqualTo(100);
    assertThat(json).allMatch(p -> p.endsWith(".json"));
  }

  /** Parquet out to S3 and back in, against moto's S3 server, through the AWS SDK. */
  @Test
  void s3ReadAndWriteAgainstMoto() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        new ProcessBuilder("sh", "-c", "command -v moto_server").start().waitFor() == 0,
        "moto_server is not installed");
    int port;
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Process moto =
        new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", String.valueOf(port))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("moto.log").toFile())
            .start();
    String endpoint = "http://127.0.0.1:" + port;
    System.setProperty("glint.data.s3.endpoint", endpoint);
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
    try (var s3 = io.glint.data.io.S3Settings.fromEnvironment().client()) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (true) {
        try {
          s3.createBucket(b -> b.bucket("bucket"));
          break;
        } catch (RuntimeException e) {
          if (System.nanoTime() > deadline || !moto.isAlive()) {
            throw e;
          }
          Thread.sleep(200);
        }
      }
      List<String> written =
          GlintData.range(10_000, 4).mapBatches(DataIT::xy).writeParquet("s3://bucket/data/");
      assertThat(written).hasSize(4).allMatch(p -> p.startsWith("s3://bucket/data/"));
      assertThat(s3.listObjectsV2(b -> b.bucket("bucket").prefix("data/")).contents()).hasSize(4);

      Dataset back = GlintData.readParquet("s3://bucket/data/");
      assertThat(back.count()).isEqualTo(10_000);
      back.mapBatches(DataIT::transform, 1000).writeParquet("s3://bucket/output/");
      Dataset sums = GlintData.readParquet("s3://bucket/output/*.parquet");
      double total = 0;
      for (Map<String, Object> r : sums.iterRows()) {
        long id = (long) r.get("id");
        assertThat((double) r.get("z")).isEqualTo(2 * xOf(id) + id / 2.0);
        total += 1;
      }
      assertThat(total).isEqualTo(10_000);
      assertThatThrownBy(() -> GlintData.readParquet("s3://bucket/nothing-here/"))
          .hasMessageContaining("no files at s3://bucket/nothing-here/");
    } finally {
      System.clearProperty("glint.data.s3.endpoint");
      moto.destroy();
    }
  }

  @Test
  void badInputFailsClearly() {
    assertThatThrownBy(() -> GlintData.readParquet(dir.resolve("missing").toString()))
        .hasMessageContaining("no such file or directory")
        .hasMessageContaining("missing");
    assertThatThrownBy(() -> GlintData.range(10).selectColumns("nope").takeAll())
        .isInstanceOf(TaskFailure.class)
        .hasMessageContaining("no column 'nope'");
    assertThatThrownBy(
            () ->
                GlintData.range(10)
                    .map(
                        r -> {
                          throw new IllegalStateException("bad row " + r);
                        })
                    .count())
        .isInstanceOfSatisfying(
            TaskFailure.class,
            f -> assertThat(f.type()).isEqualTo("java.lang.IllegalStateException"))
        .hasMessageContaining("bad row");
  }

  @Test
  void aStuckRunEndsAtTheTimeout() {
    DataContext.get().setTimeoutMillis(3_000);
    try {
      assertThatThrownBy(
              () ->
                  GlintData.range(4, 2)
                      .map(
                          r -> {
                            Thread.sleep(600_000);
                            return r;
                          })
                      .count())
          .isInstanceOf(io.glint.api.exception.GetTimeoutException.class)
          .hasMessageContaining("3000 ms")
          .hasMessageContaining("ReadRange->Map");
    } finally {
      DataContext.get().setTimeoutMillis(0);
    }
    // The stuck tasks were cancelled: the cluster runs the next dataset.
    assertThat(GlintData.range(4, 2).map(r -> r).count()).isEqualTo(4);
  }

  private static List<Object> sortedIds(int n) {
    List<Object> out = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }
}
