package io.glint.data;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.data.block.Blocks;
import io.glint.data.exec.Block;
import io.glint.data.exec.Op;
import io.glint.data.exec.ReadTask;
import io.glint.data.io.ParquetBlocks;
import io.glint.data.io.S3Settings;
import io.glint.data.io.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.parquet.filter2.predicate.FilterPredicate;

/**
 * Where datasets come from (Ray's {@code ray.data.read_parquet}, {@code from_items}, ...). Files
 * are listed (and Parquet footers read) when the dataset is created, so a wrong path fails here;
 * the data itself is read by tasks when the dataset runs.
 *
 * <pre>{@code
 * Dataset ds = GlintData.readParquet("data/events/");          // a directory, a file or a glob
 * Dataset s3 = GlintData.readParquet("s3://bucket/events/*.parquet");
 * Dataset few = GlintData.readParquet(List.of("data/"), ParquetRead.columns("id", "amount"));
 * }</pre>
 */
public final class GlintData {
  private GlintData() {}

  /** What to read of Parquet files: a column projection and a row-group filter. */
  public record ParquetRead(List<String> columns, FilterPredicate filter) {
    public static ParquetRead all() {
      return new ParquetRead(null, null);
    }

    public static ParquetRead columns(String... columns) {
      return new ParquetRead(List.of(columns), null);
    }

    /**
     * Row groups whose statistics rule out {@code filter} (a parquet-java predicate, e.g. {@code
     * FilterApi.gt(FilterApi.longColumn("id"), 1000L)}) are skipped without being read; rows of the
     * groups read are not filtered one by one (add a {@code filter} step for that).
     */
    public ParquetRead withFilter(FilterPredicate filter) {
      return new ParquetRead(columns, filter);
    }
  }

  public static Dataset readParquet(String... paths) {
    return readParquet(List.of(paths), ParquetRead.all());
  }

  public static Dataset readParquet(List<String> paths, ParquetRead what) {
    S3Settings s3 = S3Settings.fromEnvironment();
    long maxBytes = DataContext.get().targetMaxBlockBytes();
    List<ReadTask> tasks = new ArrayList<>();
    for (Storage.FileRef f : Storage.list(paths, s3)) {
      try (var in = Storage.parquetInput(f, s3)) {
        List<long[]> splits = ParquetBlocks.splits(in.get(), maxBytes);
        for (long[] sp : splits) {
          tasks.add(
              new ReadTask.Parquet(
                  f, (int) sp[0], (int) sp[1], sp[2], what.columns(), what.filter(), s3));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the Parquet footer of " + f.path(), e);
      }
    }
    return new Dataset(new Op.Read("ReadParquet", tasks));
  }

  /** CSV files with a header line, one block per file. */
  public static Dataset readCsv(String... paths) {
    return readText("csv", paths);
  }

  /** JSON Lines files (one object per line), one block per file. */
  public static Dataset readJson(String... paths) {
    return readText("json", paths);
  }

  private static Dataset readText(String format, String... paths) {
    S3Settings s3 = S3Settings.fromEnvironment();
    List<ReadTask> tasks = new ArrayList<>();
    for (Storage.FileRef f : Storage.list(List.of(paths), s3)) {
      tasks.add(new ReadTask.Text(f, format, s3));
    }
    return new Dataset(new Op.Read(format.equals("csv") ? "ReadCSV" : "ReadJSON", tasks));
  }

  /**
   * A dataset of {@code items}: maps are rows; anything else becomes a row {@code {"item": x}} (as
   * Ray's {@code from_items}).
   */
  public static Dataset fromItems(List<?> items) {
    int blocks = Math.max(1, Math.min(items.size(), DataContext.get().parallelism() * 2));
    List<ReadTask> tasks = new ArrayList<>();
    for (int b = 0; b < blocks; b++) {
      int from = (int) ((long) b * items.size() / blocks);
      int to = (int) ((long) (b + 1) * items.size() / blocks);
      ArrayList<Map<String, Object>> rows = new ArrayList<>();
      for (Object item : items.subList(from, to)) {
        rows.add(asRow(item));
      }
      tasks.add(new ReadTask.Items(rows));
    }
    return new Dataset(new Op.Read("FromItems", tasks));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asRow(Object item) {
    if (item instanceof Map<?, ?> m) {
      Map<String, Object> row = new LinkedHashMap<>();
      m.forEach((k, v) -> row.put(String.valueOf(k), v));
      return row;
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("item", item);
    return row;
  }

  /** A dataset of Arrow tables, each stored as one block (the caller still closes them). */
  public static Dataset fromArrow(VectorSchemaRoot... tables) {
    List<Block> blocks = new ArrayList<>();
    for (VectorSchemaRoot t : tables) {
      ObjectRef<VectorSchemaRoot> ref = Glint.put(t);
      blocks.add(new Block(ref, blocks.size(), t.getRowCount(), Blocks.sizeBytes(t)));
    }
    return new Dataset(new Op.FromBlocks("FromArrow", blocks));
  }

  /** The integers {@code 0..n-1} in column "id". */
  public static Dataset range(long n) {
    return range(n, Math.max(1, DataContext.get().parallelism() * 4));
  }

  /** The integers {@code 0..n-1} in column "id", in {@code numBlocks} blocks. */
  public static Dataset range(long n, int numBlocks) {
    if (n < 0 || numBlocks < 1) {
      throw new IllegalArgumentException("range needs n >= 0 and numBlocks >= 1");
    }
    int blocks = (int) Math.max(1, Math.min(numBlocks, n));
    List<ReadTask> tasks = new ArrayList<>();
    for (int b = 0; b < blocks; b++) {
      tasks.add(new ReadTask.Range(n * b / blocks, n * (b + 1) / blocks));
    }
    return new Dataset(new Op.Read("ReadRange", tasks));
  }
}
