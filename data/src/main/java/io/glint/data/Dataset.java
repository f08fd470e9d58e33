package io.glint.data;

import io.glint.api.Glint;
import io.glint.api.PyFunction;
import io.glint.data.block.Blocks;
import io.glint.data.exec.AllToAll;
import io.glint.data.exec.Block;
import io.glint.data.exec.Op;
import io.glint.data.exec.StreamingExecutor;
import io.glint.data.exec.Transforms;
import io.glint.data.io.S3Settings;
import io.glint.data.io.Storage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A lazy, distributed table: Arrow record batches ("blocks") in the object store, produced by tasks
 * and actors as a consumer pulls them. Transformations return a new dataset and run nothing;
 * consumers ({@link #take}, {@link #count}, {@link #iterBatches}, {@link #writeParquet}, ...) run
 * the plan as a stream, holding at most {@link DataContext#memoryBudgetBytes()} of blocks in the
 * store at once. Names follow Ray Data's.
 *
 * <pre>{@code
 * GlintData.readParquet("s3://bucket/raw/")
 *     .mapBatches(batch -> normalize(batch), 1000)
 *     .writeParquet("s3://bucket/clean/");
 * }</pre>
 */
public final class Dataset {
  final Op plan;
  private volatile DatasetStats lastStats;

  Dataset(Op plan) {
    this.plan = plan;
  }

  Dataset then(Op op) {
    return new Dataset(op);
  }

  private Dataset step(io.glint.data.exec.BlockTransform t) {
    return new Dataset(new Op.Step(plan, t));
  }

  // ------------------------------------------------------------------ transformations

  /** Each row to one row. */
  public Dataset map(RowFn fn) {
    return step(new Transforms.MapRows(fn));
  }

  /** The rows {@code fn} keeps. */
  public Dataset filter(RowPredicate fn) {
    return step(new Transforms.FilterRows(fn));
  }

  /** Each row to zero or more rows. */
  public Dataset flatMap(FlatMapFn fn) {
    return step(new Transforms.FlatMapRows(fn));
  }

  /** {@code fn} over whole blocks. */
  public Dataset mapBatches(BatchFn fn) {
    return mapBatches(fn, 0);
  }

  /**
   * {@code fn} over batches of {@code batchSize} rows (slices of a block; the last may be shorter).
   */
  public Dataset mapBatches(BatchFn fn, int batchSize) {
    return step(new Transforms.MapBatches(fn, checkBatchSize(batchSize)));
  }

  /**
   * A stateful {@code mapBatches}: a pool of actors, each making its function once with {@code
   * factory} (load a model there) and mapping every batch it is sent with it.
   */
  public Dataset mapBatches(BatchFnFactory factory, ActorPoolStrategy pool, int batchSize) {
    return then(new Op.ActorMap(plan, factory, pool, checkBatchSize(batchSize)));
  }

  /**
   * A Python function over batches: it receives each batch as a {@code pyarrow.Table} on the object
   * store's memory (no copy) and returns a {@code pyarrow.Table} or {@code RecordBatch}.
   */
  public Dataset mapBatches(PyFunction<?> fn, int batchSize) {
    return then(new Op.PyMap(plan, fn.module(), fn.function(), checkBatchSize(batchSize)));
  }

  private static int checkBatchSize(int batchSize) {
    if (batchSize < 0) {
      throw new IllegalArgumentException(
          "batchSize must be positive (0: whole blocks), got " + batchSize);
    }
    return batchSize;
  }

  /** A new column computed from each row. */
  public Dataset addColumn(String column, ValueFn fn) {
    return step(new Transforms.AddColumn(column, fn));
  }

  public Dataset dropColumns(String... columns) {
    return step(new Transforms.Columns(List.of(columns), true));
  }

  public Dataset selectColumns(String... columns) {
    return step(new Transforms.Columns(List.of(columns), false));
  }

  /** The rows in a random order. */
  public Dataset randomShuffle() {
    return randomShuffle(System.nanoTime());
  }

  /** The rows in a random order decided by {@code seed}. */
  public Dataset randomShuffle(long seed) {
    return then(new Op.Shuffle(plan, new AllToAll.RandomShuffle(seed)));
  }

  /** The same rows, in order, in {@code numBlocks} blocks of about equal size. */
  public Dataset repartition(int numBlocks) {
    if (numBlocks < 1) {
      throw new IllegalArgumentException("numBlocks must be at least 1, got " + numBlocks);
    }
    return then(new Op.Shuffle(plan, new AllToAll.Repartition(numBlocks)));
  }

  public Dataset sort(String key) {
    return sort(key, false);
  }

  public Dataset sort(String key, boolean descending) {
    return then(new Op.Shuffle(plan, new AllToAll.Sort(key, descending)));
  }

  public GroupedData groupBy(String key) {
    return new GroupedData(this, key);
  }

  /** This dataset's rows, then each of {@code others}'. */
  public Dataset union(Dataset... others) {
    List<Op> all = new ArrayList<>();
    all.add(plan);
    for (Dataset d : others) {
      all.add(d.plan);
    }
    return then(new Op.Union(all));
  }

  /** Rows side by side with {@code other}'s (same row count; clashing names get "_1"). */
  public Dataset zip(Dataset other) {
    return then(new Op.Zip(plan, other.plan));
  }

  /** The first {@code n} rows; upstream work stops once they are there. */
  public Dataset limit(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("limit must be at least 0, got " + n);
    }
    return then(new Op.Limit(plan, n));
  }

  // ------------------------------------------------------------------ consumers

  private void run(String name, Consumer<Block> each) {
    StreamingExecutor ex = new StreamingExecutor(plan, DataContext.get(), name);
    try {
      Block b;
      while ((b = ex.next()) != null) {
        try {
          each.accept(b);
        } finally {
          b.ref().release();
        }
      }
    } finally {
      ex.close();
      lastStats = ex.summary();
    }
  }

  /** The first {@code n} rows. */
  public List<Map<String, Object>> take(int n) {
    List<Map<String, Object>> out = new ArrayList<>();
    limit(n)
        .run(
            "take",
            b -> {
              try (VectorSchemaRoot v = Glint.get(b.ref())) {
                out.addAll(Blocks.rows(v));
              }
            });
    lastStats = null;
    return out.size() > n ? out.subList(0, n) : out;
  }

  /** Every row (mind the driver's memory). */
  public List<Map<String, Object>> takeAll() {
    List<Map<String, Object>> out = new ArrayList<>();
    run(
        "takeAll",
        b -> {
          try (VectorSchemaRoot v = Glint.get(b.ref())) {
            out.addAll(Blocks.rows(v));
          }
        });
    return out;
  }

  /** The first {@code n} rows as one batch, in the driver's memory; the caller closes it. */
  public VectorSchemaRoot takeBatch(int n) {
    List<VectorSchemaRoot> parts = new ArrayList<>();
    Schema[] schema = new Schema[1];
    try {
      limit(n)
          .run(
              "takeBatch",
              b -> {
                try (VectorSchemaRoot v = Glint.get(b.ref())) {
                  schema[0] = v.getSchema();
                  parts.add(Blocks.slice(v, 0, v.getRowCount()));
                }
              });
      if (schema[0] == null) {
        throw new NoSuchElementException("the dataset is empty");
      }
      return Blocks.concat(schema[0], parts);
    } finally {
      parts.forEach(VectorSchemaRoot::close);
    }
  }

  /** Rows in the dataset: from file metadata when no step changes them, else by running it. */
  public long count() {
    if (plan instanceof Op.Read r && r.tasks().stream().allMatch(t -> t.knownRows() >= 0)) {
      return r.tasks().stream().mapToLong(io.glint.data.exec.ReadTask::knownRows).sum();
    }
    long[] n = {0};
    run("count", b -> n[0] += b.rows());
    return n[0];
  }

  /** The columns and their types (runs the plan for its first block). */
  public Schema schema() {
    Schema[] s = new Schema[1];
    limit(1)
        .run(
            "schema",
            b -> {
              if (s[0] == null) {
                try (VectorSchemaRoot v = Glint.get(b.ref())) {
                  s[0] = v.getSchema();
                }
              }
            });
    return s[0];
  }

  /**
   * The blocks as batches, pulled as the loop goes; each batch is a view of the object store, valid
   * until the next one is asked for. Close the iterator when leaving a loop early.
   */
  public BatchIterator iterBatches() {
    return new BatchIterator(this);
  }

  /** The rows, pulled block by block. */
  public Iterable<Map<String, Object>> iterRows() {
    return () ->
        new Iterator<>() {
          private final BatchIterator batches = iterBatches();
          private VectorSchemaRoot cur;
          private int row;

          @Override
          public boolean hasNext() {
            while (cur == null || row >= cur.getRowCount()) {
              if (!batches.hasNext()) {
                return false;
              }
              cur = batches.next();
              row = 0;
            }
            return true;
          }

          @Override
          public Map<String, Object> next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return Blocks.row(cur, row++);
          }
        };
  }

  /** Pulls batches from a running dataset. */
  public static final class BatchIterator implements Iterator<VectorSchemaRoot>, AutoCloseable {
    private final Dataset ds;
    private final StreamingExecutor ex;
    private Block pending;
    private Block current;
    private VectorSchemaRoot view;
    private boolean done;

    BatchIterator(Dataset ds) {
      this.ds = ds;
      this.ex = new StreamingExecutor(ds.plan, DataContext.get(), "iterBatches");
    }

    @Override
    public boolean hasNext() {
      if (pending == null && !done) {
        try {
          pending = ex.next();
        } catch (RuntimeException e) {
          close();
          throw e;
        }
        if (pending == null) {
          close();
        }
      }
      return pending != null;
    }

    @Override
    public VectorSchemaRoot next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      releaseCurrent();
      current = pending;
      pending = null;
      view = Glint.get(current.ref());
      return view;
    }

    private void releaseCurrent() {
      if (view != null) {
        view.close();
        view = null;
      }
      if (current != null) {
        current.ref().release();
        current = null;
      }
    }

    @Override
    public void close() {
      if (done) {
        return;
      }
      done = true;
      releaseCurrent();
      if (pending != null) {
        pending.ref().release();
        pending = null;
      }
      ex.close();
      ds.lastStats = ex.summary();
    }
  }

  /** Writes one Parquet file per block into {@code dir} (local or s3://); returns their paths. */
  public List<String> writeParquet(String dir) {
    return write("parquet", dir);
  }

  /** Writes one CSV file (with a header line) per block. */
  public List<String> writeCsv(String dir) {
    return write("csv", dir);
  }

  /** Writes one JSON Lines file per block. */
  public List<String> writeJson(String dir) {
    return write("json", dir);
  }

  private List<String> write(String format, String dir) {
    S3Settings s3 = S3Settings.fromEnvironment();
    String out = Storage.outputDir(dir);
    String uuid = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    Dataset w = step(new Transforms.Write(format, out, uuid, s3));
    List<String> paths = new ArrayList<>();
    w.run(
        "write",
        b -> {
          try (VectorSchemaRoot v = Glint.get(b.ref())) {
            for (Map<String, Object> r : Blocks.rows(v)) {
              paths.add((String) r.get("path"));
            }
          }
        });
    lastStats = w.lastStats;
    return paths;
  }

  /** Runs the plan and keeps its blocks in the object store: later uses start from them. */
  public Dataset materialize() {
    List<Block> blocks = new ArrayList<>();
    StreamingExecutor ex = new StreamingExecutor(plan, DataContext.get(), "materialize");
    try {
      Block b;
      while ((b = ex.next()) != null) {
        blocks.add(b);
      }
    } finally {
      ex.close();
      lastStats = ex.summary();
    }
    return new Dataset(new Op.FromBlocks("Materialized", blocks));
  }

  /** The plan, one operator per line, the source last. */
  public String explain() {
    return Op.explain(plan);
  }

  /** Statistics of the last run of this dataset (empty before one). */
  public DatasetStats stats() {
    DatasetStats s = lastStats;
    return s == null ? new DatasetStats(List.of(), 0, 0, 0) : s;
  }

  @Override
  public String toString() {
    return "Dataset(" + plan.describe() + ")";
  }
}
