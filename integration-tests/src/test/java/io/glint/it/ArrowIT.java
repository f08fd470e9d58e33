package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.PyFunction;
import io.glint.testing.GlintExtension;
import io.glint.testing.PythonSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Arrow tables and numeric arrays through the store and across Java and Python (the Arrow C Data
 * Interface), without copies on the way in.
 */
class ArrowIT {
  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(
          b ->
              b.cpusPerNode(2)
                  .objectStoreMemory(1024L << 20)
                  .pythonPath(List.of(Path.of("src/test/python").toAbsolutePath().toString())));

  static VectorSchemaRoot table(BufferAllocator alloc, int rows) {
    Float8Vector x = new Float8Vector("x", alloc);
    x.allocateNew(rows);
    for (int i = 0; i < rows; i++) {
      x.set(i, i % 1000);
    }
    x.setValueCount(rows);
    return VectorSchemaRoot.of(x);
  }

  static double expectedSum(int rows) {
    double s = 0;
    for (int i = 0; i < rows; i++) {
      s += i % 1000;
    }
    return s;
  }

  @Test
  void anArrowTablePutFromJavaIsReadBackFromTheMapping() throws Exception {
    try (BufferAllocator alloc = new RootAllocator();
        VectorSchemaRoot t = table(alloc, 1_000_000)) {
      ObjectRef<VectorSchemaRoot> ref = Glint.put(t);
      VectorSchemaRoot a = Glint.get(ref);
      VectorSchemaRoot b = Glint.get(ref);
      long addrA = a.getVector("x").getDataBuffer().memoryAddress();
      long addrB = b.getVector("x").getDataBuffer().memoryAddress();
      assertThat(addrA).as("two gets, one mapping: the same buffer address").isEqualTo(addrB);
      assertThat(StoreFns.mappedFile(addrA)).contains("/glint-session").endsWith(ref.id());
      assertThat(((Float8Vector) a.getVector("x")).get(999_999)).isEqualTo(999.0);
      assertThat(a.getRowCount()).isEqualTo(1_000_000);
    }
  }

  /**
   * A table read from the store holds its object until the table is closed, not until the collector
   * runs: closed and released, the object goes at once (a dataset's blocks rely on it).
   */
  @Test
  void aClosedTableLetsItsObjectGoWithoutWaitingForTheCollector() throws Exception {
    long baseline = StoredObjects.count();
    try (BufferAllocator alloc = new RootAllocator();
        VectorSchemaRoot t = table(alloc, 1_000_000)) {
      ObjectRef<VectorSchemaRoot> ref = Glint.put(t);
      VectorSchemaRoot view = Glint.get(ref);
      assertThat(view.getRowCount()).isEqualTo(1_000_000);
      view.close();
      ref.release();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (StoredObjects.count() > baseline && System.nanoTime() < deadline) {
        Thread.sleep(50); // no System.gc()
      }
      assertThat(StoredObjects.count()).isEqualTo(baseline);
      assertThat(view).isNotNull(); // still reachable: the close did it
    }
  }

  @Test
  void javaToPythonToJavaOnA100MbTableWithAZeroCopyPythonStep() throws Exception {
    PythonSupport.assumeAvailable();
    int rows = 100 * 1024 * 1024 / 8; // 100 MiB of doubles
    try (BufferAllocator alloc = new RootAllocator();
        VectorSchemaRoot t = table(alloc, rows)) {
      ObjectRef<VectorSchemaRoot> input = Glint.put(t);

      @SuppressWarnings("unchecked")
      Map<String, Object> seen =
          Glint.get(
              Glint.task(PyFunction.of("glint_it.pyfns", "arrow_inspect", Map.class), input)
                  .remote(),
              120_000);
      // Python read the column where Java's worker mapped the stored object: no copy.
      assertThat((String) seen.get("file")).contains("/glint-session").endsWith(input.id());
      assertThat(seen.get("rows")).isEqualTo((long) rows);
      assertThat((Double) seen.get("sum")).isEqualTo(expectedSum(rows));

      ObjectRef<VectorSchemaRoot> doubled =
          Glint.task(PyFunction.of("glint_it.pyfns", "arrow_double", VectorSchemaRoot.class), input)
              .remote();
      VectorSchemaRoot out = Glint.get(doubled, 120_000);
      Float8Vector x = (Float8Vector) out.getVector("x");
      assertThat(out.getRowCount()).isEqualTo(rows);
      assertThat(x.get(0)).isEqualTo(0.0);
      assertThat(x.get(rows - 1)).isEqualTo(2.0 * ((rows - 1) % 1000));
      assertThat(StoreFns.mappedFile(x.getDataBuffer().memoryAddress())).endsWith(doubled.id());
    }
  }

  @Test
  void aJavaTaskReadsAnArrowArgumentInPlaceAndReturnsATable() throws Exception {
    int rows = 2_000_000;
    try (BufferAllocator alloc = new RootAllocator();
        VectorSchemaRoot t = table(alloc, rows)) {
      ObjectRef<VectorSchemaRoot> input = Glint.put(t);
      StoreFns.ArrowView view = Glint.get(Glint.task(StoreFns::arrowInspect, input).remote());
      assertThat(view.backingFile()).contains("/glint-session").endsWith(input.id());
      assertThat(view.rows()).isEqualTo(rows);
      assertThat(view.sum()).isEqualTo(expectedSum(rows));

      try (VectorSchemaRoot head = Glint.get(Glint.task(StoreFns::arrowHead, input, 3).remote())) {
        Float8Vector x = (Float8Vector) head.getVector("x");
        assertThat(head.getRowCount()).isEqualTo(3);
        assertThat(new double[] {x.get(0), x.get(1), x.get(2)}).containsExactly(1.0, 2.0, 3.0);
      }
    }
  }

  @Test
  void pythonErrorsOnArrowInputAreTyped() {
    PythonSupport.assumeAvailable();
    try (BufferAllocator alloc = new RootAllocator();
        VectorSchemaRoot t = table(alloc, 10)) {
      ObjectRef<Object> r =
          Glint.task(PyFunction.of("glint_it.pyfns", "arrow_missing_column", Object.class), t)
              .remote();
      assertThatThrownBy(() -> Glint.get(r, 60_000))
          .isInstanceOf(io.glint.api.exception.TaskFailure.class)
          .hasMessageContaining("KeyError");
    }
  }

  @Test
  void aJavaDoubleArrayIsANumpyArrayOnTheMappingInPython() {
    PythonSupport.assumeAvailable();
    double[] data = new double[8 * 1024 * 1024]; // 64 MiB
    double sum = 0;
    for (int i = 0; i < data.length; i++) {
      data[i] = i % 100;
      sum += data[i];
    }
    ObjectRef<double[]> ref = Glint.put(data);
    @SuppressWarnings("unchecked")
    Map<String, Object> seen =
        Glint.get(
            Glint.task(PyFunction.of("glint_it.pyfns", "numpy_inspect", Map.class), ref).remote(),
            120_000);
    assertThat(seen.get("type")).isEqualTo("ndarray");
    assertThat(seen.get("dtype")).isEqualTo("float64");
    assertThat(seen.get("writeable")).as("a view of an immutable object").isEqualTo(false);
    assertThat((String) seen.get("file")).contains("/glint-session").endsWith(ref.id());
    assertThat((Double) seen.get("sum")).isEqualTo(sum);
  }

  @Test
  void pythonGetOfArrowAndNumericRefsReadsThemInPlace() throws Exception {
    PythonSupport.assumeAvailable();
    double[] data = new double[1_000_000];
    double sum = 0;
    for (int i = 0; i < data.length; i++) {
      data[i] = i % 7;
      sum += data[i];
    }
    try (BufferAllocator alloc = new RootAllocator();
        VectorSchemaRoot t = table(alloc, 500_000)) {
      ObjectRef<VectorSchemaRoot> tableRef = Glint.put(t);
      ObjectRef<double[]> arrayRef = Glint.put(data);
      @SuppressWarnings("unchecked")
      Map<String, Object> seen =
          Glint.get(
              Glint.task(
                      PyFunction.of("glint_it.pyfns", "get_in_place", Map.class),
                      List.of(tableRef, arrayRef)) // in a list: refs, read with glint.get
                  .remote(),
              120_000);
      assertThat(seen.get("table_type")).isEqualTo("Table");
      assertThat(seen.get("rows")).isEqualTo(500_000L);
      assertThat((String) seen.get("table_file"))
          .contains("/glint-session")
          .endsWith(tableRef.id());
      assertThat(seen.get("array_type")).isEqualTo("ndarray");
      assertThat(seen.get("writeable")).isEqualTo(false);
      assertThat((String) seen.get("array_file"))
          .contains("/glint-session")
          .endsWith(arrayRef.id());
      assertThat((Double) seen.get("array_sum")).isEqualTo(sum);
    }
  }

  @Test
  void aNumpyResultComesBackAsAJavaArrayOrAViewOfTheStore() throws Exception {
    PythonSupport.assumeAvailable();
    double[] data = new double[1_000_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = i;
    }
    ObjectRef<double[]> ref = Glint.put(data);
    double[] tripled =
        Glint.get(
            Glint.task(PyFunction.of("glint_it.pyfns", "numpy_scaled", double[].class), ref, 3)
                .remote(),
            120_000);
    assertThat(tripled).hasSize(data.length);
    assertThat(tripled[999_999]).isEqualTo(2_999_997.0);

    ObjectRef<java.nio.DoubleBuffer> viewRef =
        Glint.task(
                PyFunction.of("glint_it.pyfns", "numpy_scaled", java.nio.DoubleBuffer.class),
                ref,
                2)
            .remote();
    java.nio.DoubleBuffer view = Glint.get(viewRef, 120_000);
    assertThat(view.isReadOnly()).isTrue();
    assertThat(view.get(10)).isEqualTo(20.0);
    assertThat(StoreFns.mappedFile(java.lang.foreign.MemorySegment.ofBuffer(view).address()))
        .endsWith(viewRef.id());
  }

  @Test
  void aNumpyMatrixComesBackAsJavaRows() {
    PythonSupport.assumeAvailable();
    double[][] m =
        Glint.get(
            Glint.task(PyFunction.of("glint_it.pyfns", "matrix", double[][].class), 300, 4)
                .remote(),
            120_000);
    assertThat(m).hasDimensions(300, 4);
    assertThat(m[0]).containsExactly(0, 1, 2, 3);
    assertThat(m[299][3]).isEqualTo(1199.0);
    @SuppressWarnings("unchecked")
    List<List<Double>> asList =
        Glint.get(
            Glint.task(PyFunction.of("glint_it.pyfns", "matrix", List.class), 2, 2).remote(),
            120_000);
    assertThat(asList).containsExactly(List.of(0.0, 1.0), List.of(2.0, 3.0));
  }

  @Test
  void aJavaMatrixReachesPythonAsATwoDimensionalNumpyArray() {
    PythonSupport.assumeAvailable();
    double[][] m = new double[500][3];
    for (int i = 0; i < 500; i++) {
      m[i] = new double[] {i, i + 0.5, -i};
    }
    var inspect = PyFunction.of("glint_it.pyfns", "matrix_inspect", Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> seen = Glint.get(Glint.task(inspect, (Object) m).remote(), 120_000);
    assertThat(seen.get("type")).isEqualTo("ndarray");
    assertThat(seen.get("shape")).isEqualTo(List.of(500L, 3L));
    assertThat(seen.get("dtype")).isEqualTo("float64");
    assertThat(seen.get("writeable")).isEqualTo(false);
    assertThat((Double) seen.get("sum")).isEqualTo(125_000.0); // the sum of i + 0.5
    assertThat(seen.get("last")).isEqualTo(-499.0);
    @SuppressWarnings("unchecked")
    Map<String, Object> got =
        Glint.get(
            Glint.task(
                    PyFunction.of("glint_it.pyfns", "get_matrix", Map.class),
                    List.of(Glint.put(m))) // read with glint.get
                .remote(),
            120_000);
    assertThat(got.get("type")).isEqualTo("ndarray");
    assertThat(got.get("shape")).isEqualTo(List.of(500L, 3L));
    // Rows of different lengths are not a matrix: they cross as lists.
    @SuppressWarnings("unchecked")
    Map<String, Object> ragged =
        Glint.get(Glint.task(inspect, (Object) new double[][] {{1}, {2, 3}}).remote(), 120_000);
    assertThat(ragged.get("type")).isEqualTo("list");
  }

  @Test
  void smallIntArraysPassedDirectlyAreNumpyToo() {
    PythonSupport.assumeAvailable();
    @SuppressWarnings("unchecked")
    Map<String, Object> seen =
        Glint.get(
            Glint.task(
                    PyFunction.of("glint_it.pyfns", "numpy_inspect", Map.class),
                    new int[] {1, 2, 3})
                .remote(),
            60_000);
    assertThat(seen.get("dtype")).isEqualTo("int32");
    assertThat((Double) seen.get("sum")).isEqualTo(6.0);
    long[] back =
        Glint.get(
            Glint.task(
                    PyFunction.of("glint_it.pyfns", "numpy_scaled", long[].class),
                    new long[] {5, 6},
                    10)
                .remote(),
            60_000);
    assertThat(back).containsExactly(50L, 60L);
  }
}
