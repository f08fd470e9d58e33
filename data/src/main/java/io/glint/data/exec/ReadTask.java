package io.glint.data.exec;

import io.glint.data.block.Blocks;
import io.glint.data.io.ParquetBlocks;
import io.glint.data.io.S3Settings;
import io.glint.data.io.Storage;
import io.glint.data.io.TextFormats;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.filter2.predicate.FilterPredicate;

/** Reads one block of a source, inside a task. */
public interface ReadTask extends Serializable {
  VectorSchemaRoot read() throws Exception;

  /** Rows this read yields when known without reading (-1 when not). */
  default long knownRows() {
    return -1;
  }

  /** Row groups {@code [first, first + count)} of a Parquet file. */
  record Parquet(
      Storage.FileRef file,
      int first,
      int count,
      long rows,
      List<String> columns,
      FilterPredicate filter,
      S3Settings s3)
      implements ReadTask {
    @Override
    public VectorSchemaRoot read() throws Exception {
      try (var in = Storage.parquetInput(file, s3)) {
        return ParquetBlocks.read(in.get(), first, count, columns, filter);
      }
    }

    @Override
    public long knownRows() {
      return filter == null ? rows : -1;
    }
  }

  /** A whole CSV or JSON Lines file. */
  record Text(Storage.FileRef file, String format, S3Settings s3) implements ReadTask {
    @Override
    public VectorSchemaRoot read() throws Exception {
      try (InputStream in = Storage.open(file, s3)) {
        return format.equals("csv")
            ? TextFormats.readCsv(in, file.path())
            : TextFormats.readJson(in, file.path());
      }
    }
  }

  /** Rows given by the driver. */
  record Items(ArrayList<Map<String, Object>> rows) implements ReadTask {
    @Override
    public VectorSchemaRoot read() {
      return Blocks.fromRows(rows);
    }

    @Override
    public long knownRows() {
      return rows.size();
    }
  }

  /** The integers {@code [start, end)} in column "id" (Ray's {@code range}). */
  record Range(long start, long end) implements ReadTask {
    static final Schema SCHEMA =
        new Schema(
            List.of(new Field("id", FieldType.notNullable(new ArrowType.Int(64, true)), null)));

    @Override
    public VectorSchemaRoot read() {
      VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, Blocks.ALLOCATOR);
      int n = Math.toIntExact(end - start);
      BigIntVector id = (BigIntVector) root.getVector(0);
      id.allocateNew(n);
      for (int i = 0; i < n; i++) {
        id.set(i, start + i);
      }
      id.setValueCount(n);
      root.setRowCount(n);
      return root;
    }

    @Override
    public long knownRows() {
      return end - start;
    }
  }
}
