package io.glint.data.exec;

import io.glint.data.BatchFn;
import io.glint.data.FlatMapFn;
import io.glint.data.RowFn;
import io.glint.data.RowPredicate;
import io.glint.data.ValueFn;
import io.glint.data.block.Blocks;
import io.glint.data.io.S3Settings;
import io.glint.data.io.TextFormats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;

/** The per-block steps. */
public final class Transforms {
  private Transforms() {}

  /** Applies {@code chain} in order, closing the intermediate blocks (never {@code in}). */
  public static VectorSchemaRoot applyAll(
      VectorSchemaRoot in, List<BlockTransform> chain, int blockIndex) throws Exception {
    VectorSchemaRoot cur = in;
    for (BlockTransform t : chain) {
      VectorSchemaRoot next = t.apply(cur, blockIndex);
      if (cur != in && next != cur) {
        cur.close();
      }
      cur = next;
    }
    return cur;
  }

  /** The rows a row step made, as a block (an empty one keeps the input's columns). */
  private static VectorSchemaRoot block(VectorSchemaRoot in, List<Map<String, Object>> rows) {
    return rows.isEmpty() ? Blocks.empty(in.getSchema()) : Blocks.fromRows(rows);
  }

  public record MapRows(RowFn fn) implements BlockTransform {
    @Override
    public VectorSchemaRoot apply(VectorSchemaRoot in, int blockIndex) throws Exception {
      List<Map<String, Object>> out = new ArrayList<>(in.getRowCount());
      for (int i = 0; i < in.getRowCount(); i++) {
        out.add(fn.apply(Blocks.row(in, i)));
      }
      return block(in, out);
    }

    @Override
    public String name() {
      return "Map";
    }
  }

  public record FilterRows(RowPredicate fn) implements BlockTransform {
    @Override
    public VectorSchemaRoot apply(VectorSchemaRoot in, int blockIndex) throws Exception {
      int[] keep = new int[in.getRowCount()];
      int n = 0;
      for (int i = 0; i < in.getRowCount(); i++) {
        if (fn.test(Blocks.row(in, i))) {
          keep[n++] = i;
        }
      }
      return Blocks.gather(in, keep, n);
    }

    @Override
    public String name() {
      return "Filter";
    }
  }

  public record FlatMapRows(FlatMapFn fn) implements BlockTransform {
    @Override
    public VectorSchemaRoot apply(VectorSchemaRoot in, int blockIndex) throws Exception {
      List<Map<String, Object>> out = new ArrayList<>();
      for (int i = 0; i < in.getRowCount(); i++) {
        for (Map<String, Object> r : fn.apply(Blocks.row(in, i))) {
          out.add(r);
        }
      }
      return block(in, out);
    }

    @Override
    public String name() {
      return "FlatMap";
    }
  }

  /** {@code fn} over batches of {@code batchSize} rows (the whole block when 0). */
  public record MapBatches(BatchFn fn, int batchSize) implements BlockTransform {
    @Override
    public VectorSchemaRoot apply(VectorSchemaRoot in, int blockIndex) throws Exception {
      return mapBatches(fn, in, batchSize);
    }

    @Override
    public String name() {
      return "MapBatches(" + fnName(fn) + ")";
    }
  }

  static String fnName(Object fn) {
    String n = fn.getClass().getSimpleName();
    int lambda = n.indexOf("$$Lambda");
    return lambda > 0 ? n.substring(0, lambda) + "::lambda" : n;
  }

  /** Applies {@code fn} to slices of {@code batchSize} rows and concatenates the results. */
  public static VectorSchemaRoot mapBatches(BatchFn fn, VectorSchemaRoot in, int batchSize)
      throws Exception {
    int rows = in.getRowCount();
    if (batchSize <= 0 || batchSize >= rows) {
      return fn.apply(in);
    }
    List<VectorSchemaRoot> outs = new ArrayList<>();
    try {
      for (int start = 0; start < rows; start += batchSize) {
        try (VectorSchemaRoot batch = in.slice(start, Math.min(batchSize, rows - start))) {
          VectorSchemaRoot out = fn.apply(batch);
          outs.add(out == batch ? Blocks.slice(batch, 0, batch.getRowCount()) : out);
        }
      }
      return Blocks.concat(outs.get(0).getSchema(), outs);
    } finally {
      outs.forEach(VectorSchemaRoot::close);
    }
  }

  public record AddColumn(String column, ValueFn fn) implements BlockTransform {
    @Override
    public VectorSchemaRoot apply(VectorSchemaRoot in, int blockIndex) throws Exception {
      List<Map<String, Object>> rows = new ArrayList<>(in.getRowCount());
      for (int i = 0; i < in.getRowCount(); i++) {
        Map<String, Object> r = new LinkedHashMap<>(Blocks.row(in, i));
        r.put(column, fn.apply(r));
        rows.add(r);
      }
      return block(in, rows);
    }

    @Override
    public String name() {
      return "AddColumn(" + column + ")";
    }
  }

  /** Keeps {@code columns}, in that order ({@code drop}: keeps all but them). */
  public record Columns(List<String> columns, boolean drop) implements BlockTransform {
    @Override
    public VectorSchemaRoot apply(VectorSchemaRoot in, int blockIndex) {
      for (String c : columns) {
        if (in.getSchema().getFields().stream().noneMatch(f -> f.getName().equals(c))) {
          throw new IllegalArgumentException(
              "no column '"
                  + c
                  + "' (columns: "
                  + in.getSchema().getFields().stream().map(Field::getName).toList()
                  + ")");
        }
      }
      List<String> keep = new ArrayList<>();
      if (drop) {
        in.getSchema().getFields().forEach(f -> keep.add(f.getName()));
        keep.removeAll(columns);
      } else {
        keep.addAll(columns);
      }
      return Blocks.project(in, keep);
    }

    @Override
    public String name() {
      return (drop ? "DropColumns" : "SelectColumns") + columns;
    }
  }

  /** Writes the block as one file and returns one row: path, rows, bytes. */
  public record Write(String format, String dir, String uuid, S3Settings s3)
      implements BlockTransform {
    @Override
    public VectorSchemaRoot apply(VectorSchemaRoot in, int blockIndex) throws Exception {
      String name = String.format("%s_%06d_%06d.%s", uuid, blockIndex, 0, format);
      String path = TextFormats.writeFile(format, in, dir, name, s3);
      return WriteResults.of(path, in.getRowCount(), Blocks.sizeBytes(in));
    }

    @Override
    public String name() {
      return "Write" + Character.toUpperCase(format.charAt(0)) + format.substring(1);
    }
  }
}
