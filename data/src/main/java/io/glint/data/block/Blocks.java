package io.glint.data.block;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.apache.arrow.vector.util.VectorSchemaRootAppender;

/**
 * Blocks are Arrow record batches ({@link VectorSchemaRoot}). This class turns rows (maps of column
 * name to a Java value) into blocks and back, and slices, concatenates and gathers blocks. Column
 * types: long, int, short, byte, double, float, boolean, String, byte[], LocalDate, Instant
 * (timestamp, microseconds); a column whose values are all null is a string column.
 */
public final class Blocks {
  /**
   * One allocator per process for the blocks this process builds; a block is closed by its user.
   */
  public static final BufferAllocator ALLOCATOR = new RootAllocator();

  private Blocks() {}

  /** The value of {@code column} at {@code row} as a plain Java value (null for a null). */
  public static Object value(FieldVector column, int row) {
    if (column.isNull(row)) {
      return null;
    }
    return switch (column) {
      case BigIntVector v -> v.get(row);
      case IntVector v -> v.get(row);
      case SmallIntVector v -> v.get(row);
      case TinyIntVector v -> v.get(row);
      case Float8Vector v -> v.get(row);
      case Float4Vector v -> v.get(row);
      case BitVector v -> v.get(row) == 1;
      case VarCharVector v -> new String(v.get(row), StandardCharsets.UTF_8);
      case VarBinaryVector v -> v.get(row);
      case DateDayVector v -> LocalDate.ofEpochDay(v.get(row));
      case TimeStampVector v -> toInstant(v, row);
      default -> column.getObject(row);
    };
  }

  private static Instant toInstant(TimeStampVector v, int row) {
    long raw = v.get(row);
    var unit = ((ArrowType.Timestamp) v.getField().getType()).getUnit();
    return switch (unit) {
      case SECOND -> Instant.ofEpochSecond(raw);
      case MILLISECOND -> Instant.ofEpochMilli(raw);
      case MICROSECOND -> Instant.ofEpochSecond(raw / 1_000_000, (raw % 1_000_000) * 1000);
      case NANOSECOND -> Instant.ofEpochSecond(raw / 1_000_000_000, raw % 1_000_000_000);
    };
  }

  /** Row {@code row} of {@code block} as a map in column order. */
  public static Map<String, Object> row(VectorSchemaRoot block, int row) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (FieldVector v : block.getFieldVectors()) {
      out.put(v.getName(), value(v, row));
    }
    return out;
  }

  /** Every row of {@code block}. */
  public static List<Map<String, Object>> rows(VectorSchemaRoot block) {
    List<Map<String, Object>> out = new ArrayList<>(block.getRowCount());
    for (int i = 0; i < block.getRowCount(); i++) {
      out.add(row(block, i));
    }
    return out;
  }

  /** The Arrow type a Java value is stored as. */
  public static ArrowType typeOf(Object value) {
    return switch (value) {
      case Long l -> new ArrowType.Int(64, true);
      case Integer i -> new ArrowType.Int(32, true);
      case Short s -> new ArrowType.Int(16, true);
      case Byte b -> new ArrowType.Int(8, true);
      case Double d -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case Float f -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case Boolean b -> ArrowType.Bool.INSTANCE;
      case String s -> ArrowType.Utf8.INSTANCE;
      case byte[] b -> ArrowType.Binary.INSTANCE;
      case LocalDate d -> new ArrowType.Date(org.apache.arrow.vector.types.DateUnit.DAY);
      case Instant t ->
          new ArrowType.Timestamp(org.apache.arrow.vector.types.TimeUnit.MICROSECOND, "UTC");
      default ->
          throw new IllegalArgumentException(
              "a dataset column cannot hold a "
                  + value.getClass().getName()
                  + " (use long, int, double, float, boolean, String, byte[], LocalDate or"
                  + " Instant)");
    };
  }

  /**
   * A block holding {@code rows}; column types come from the first non-null value of each column (a
   * later value of another type fails naming the column). Columns are those of the first row, then
   * new ones in order of appearance; a missing value is null.
   */
  public static VectorSchemaRoot fromRows(List<? extends Map<String, ?>> rows) {
    Map<String, ArrowType> types = new LinkedHashMap<>();
    for (Map<String, ?> r : rows) {
      for (var e : r.entrySet()) {
        if (e.getValue() != null && types.get(e.getKey()) == null) {
          types.put(e.getKey(), typeOf(e.getValue()));
        } else {
          types.putIfAbsent(e.getKey(), null);
        }
      }
    }
    List<Field> fields = new ArrayList<>();
    types.forEach(
        (name, type) ->
            fields.add(
                new Field(
                    name,
                    FieldType.nullable(type == null ? ArrowType.Utf8.INSTANCE : type),
                    null)));
    return fromRows(new Schema(fields), rows);
  }

  /** A block of {@code schema} holding {@code rows}. */
  public static VectorSchemaRoot fromRows(Schema schema, List<? extends Map<String, ?>> rows) {
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, ALLOCATOR);
    try {
      root.allocateNew();
      for (FieldVector v : root.getFieldVectors()) {
        for (int i = 0; i < rows.size(); i++) {
          set(v, i, rows.get(i).get(v.getName()));
        }
        v.setValueCount(rows.size());
      }
      root.setRowCount(rows.size());
      return root;
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  /** Sets {@code column[row]} to a Java value (null sets a null), growing the column as needed. */
  public static void set(FieldVector column, int row, Object value) {
    if (value == null) {
      while (column.getValueCapacity() <= row) {
        column.reAlloc();
      }
      column.setNull(row);
      return;
    }
    try {
      switch (column) {
        case BigIntVector v -> v.setSafe(row, ((Number) value).longValue());
        case IntVector v -> v.setSafe(row, ((Number) value).intValue());
        case SmallIntVector v -> v.setSafe(row, ((Number) value).shortValue());
        case TinyIntVector v -> v.setSafe(row, ((Number) value).byteValue());
        case Float8Vector v -> v.setSafe(row, ((Number) value).doubleValue());
        case Float4Vector v -> v.setSafe(row, ((Number) value).floatValue());
        case BitVector v -> v.setSafe(row, ((Boolean) value) ? 1 : 0);
        case VarCharVector v -> v.setSafe(row, new Text(value.toString()));
        case VarBinaryVector v -> v.setSafe(row, (byte[]) value);
        case DateDayVector v -> v.setSafe(row, Math.toIntExact(((LocalDate) value).toEpochDay()));
        case TimeStampVector v -> v.setSafe(row, micros((Instant) value));
        default ->
            throw new IllegalArgumentException(
                "column '" + column.getName() + "' has an unsupported type " + column.getField());
      }
    } catch (ClassCastException e) {
      throw new IllegalArgumentException(
          "column '"
              + column.getName()
              + "' holds "
              + column.getField().getType()
              + " values; got a "
              + value.getClass().getSimpleName()
              + " ("
              + value
              + ")",
          e);
    }
  }

  private static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }

  /** An empty block of {@code schema}. */
  public static VectorSchemaRoot empty(Schema schema) {
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, ALLOCATOR);
    root.allocateNew();
    root.setRowCount(0);
    return root;
  }

  /** A copy of rows {@code [from, from + length)} of {@code block}, in this process's memory. */
  public static VectorSchemaRoot slice(VectorSchemaRoot block, int from, int length) {
    int[] idx = new int[length];
    for (int i = 0; i < length; i++) {
      idx[i] = from + i;
    }
    return gather(block, idx, length);
  }

  /** The rows of {@code block} at {@code indices}, in that order, as a new block. */
  public static VectorSchemaRoot gather(VectorSchemaRoot block, int[] indices, int count) {
    VectorSchemaRoot out = VectorSchemaRoot.create(block.getSchema(), ALLOCATOR);
    try {
      for (int c = 0; c < out.getFieldVectors().size(); c++) {
        gatherColumn(block.getVector(c), out.getVector(c), indices, count);
      }
      out.setRowCount(count);
      return out;
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
  }

  /**
   * Copies the values at {@code idx} into {@code dst}: fixed-width columns without nulls word by
   * word (a shuffle moves every value, so this is its inner loop), others value by value.
   */
  private static void gatherColumn(FieldVector src, FieldVector dst, int[] idx, int count) {
    if (src instanceof BaseFixedWidthVector s
        && dst instanceof BaseFixedWidthVector d
        && !(src instanceof BitVector)
        && src.getNullCount() == 0) {
      int w = s.getTypeWidth();
      d.allocateNew(Math.max(1, count));
      ArrowBuf from = s.getDataBuffer();
      ArrowBuf to = d.getDataBuffer();
      if (w == 8) {
        for (int i = 0; i < count; i++) {
          to.setLong((long) i * 8, from.getLong((long) idx[i] * 8));
        }
      } else if (w == 4) {
        for (int i = 0; i < count; i++) {
          to.setInt((long) i * 4, from.getInt((long) idx[i] * 4));
        }
      } else {
        for (int i = 0; i < count; i++) {
          to.setBytes((long) i * w, from, (long) idx[i] * w, w);
        }
      }
      ArrowBuf validity = d.getValidityBuffer();
      validity.setOne(0, (count + 7) / 8);
      d.setValueCount(count);
      return;
    }
    dst.allocateNew();
    for (int i = 0; i < count; i++) {
      dst.copyFromSafe(idx[i], i, src);
    }
    dst.setValueCount(count);
  }

  /** The blocks' rows one after another, as a new block; all blocks must share one schema. */
  public static VectorSchemaRoot concat(Schema schema, List<VectorSchemaRoot> blocks) {
    VectorSchemaRoot out = empty(schema);
    List<VectorSchemaRoot> nonEmpty = new ArrayList<>();
    for (VectorSchemaRoot b : blocks) {
      if (b.getRowCount() > 0) {
        if (!b.getSchema().equals(schema)) {
          out.close();
          throw new IllegalArgumentException(
              "blocks with different schemas cannot be combined: "
                  + schema
                  + " and "
                  + b.getSchema());
        }
        nonEmpty.add(b);
      }
    }
    if (!nonEmpty.isEmpty()) {
      VectorSchemaRootAppender.append(out, nonEmpty.toArray(VectorSchemaRoot[]::new));
    }
    return out;
  }

  /**
   * The columns {@code keep} of {@code block}, in that order, as a new root sharing its buffers
   * (closing either leaves the other valid).
   */
  public static VectorSchemaRoot project(VectorSchemaRoot block, List<String> keep) {
    List<FieldVector> vectors = new ArrayList<>();
    List<Field> fields = new ArrayList<>();
    for (String c : keep) {
      FieldVector src = block.getVector(c);
      var tp = src.getTransferPair(src.getAllocator());
      tp.splitAndTransfer(0, block.getRowCount());
      vectors.add((FieldVector) tp.getTo());
      fields.add(src.getField());
    }
    return new VectorSchemaRoot(fields, vectors, block.getRowCount());
  }

  /** The bytes of a block's buffers. */
  public static long sizeBytes(VectorSchemaRoot block) {
    long n = 0;
    for (FieldVector v : block.getFieldVectors()) {
      n += v.getBufferSize();
    }
    return n;
  }

  /** Whether a column holds numbers (for sum/mean/min/max). */
  public static boolean isNumeric(ValueVector column) {
    return column.getField().getType() instanceof ArrowType.Int
        || column.getField().getType() instanceof ArrowType.FloatingPoint;
  }
}
