package io.glint.data.io;

import io.glint.data.block.Blocks;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Parquet files to Arrow blocks and back, with parquet-java and no Hadoop file system: flat schemas
 * of the types {@link Blocks} knows. Reads take a column projection and a row-group filter (a
 * parquet {@link FilterPredicate} checked against each row group's statistics and dictionaries, so
 * skipped row groups are never read).
 */
public final class ParquetBlocks {
  private ParquetBlocks() {}

  /** Read options that never touch Hadoop's configuration or codecs. */
  public static ParquetReadOptions readOptions(FilterPredicate filter) {
    ParquetReadOptions.Builder b =
        new ParquetReadOptions.Builder(new PlainParquetConfiguration())
            .withCodecFactory(ParquetCodecs.INSTANCE);
    if (filter != null) {
      b.withRecordFilter(FilterCompat.get(filter))
          .useStatsFilter()
          .useDictionaryFilter()
          .useColumnIndexFilter(false);
    }
    return b.build();
  }

  /** Row groups of a file grouped so that each group holds about maxBytes: {first, count, rows}. */
  public static List<long[]> splits(InputFile file, long maxBytes) throws IOException {
    try (ParquetFileReader r = new ParquetFileReader(file, readOptions(null))) {
      List<long[]> out = new ArrayList<>();
      List<BlockMetaData> groups = r.getFooter().getBlocks();
      int start = 0;
      long bytes = 0;
      long rows = 0;
      for (int i = 0; i < groups.size(); i++) {
        bytes += groups.get(i).getTotalByteSize();
        rows += groups.get(i).getRowCount();
        if (bytes >= maxBytes || i == groups.size() - 1) {
          out.add(new long[] {start, i - start + 1, rows});
          start = i + 1;
          bytes = 0;
          rows = 0;
        }
      }
      return out;
    }
  }

  /** The Arrow schema of a file, projected to {@code columns} (all when null). */
  public static Schema schema(InputFile file, List<String> columns) throws IOException {
    try (ParquetFileReader r = new ParquetFileReader(file, readOptions(null))) {
      return toArrow(project(r.getFooter().getFileMetaData().getSchema(), columns, file));
    }
  }

  /**
   * Reads row groups {@code [first, first + count)} of {@code file} into one block, keeping {@code
   * columns} (all when null) and skipping row groups {@code filter} rules out.
   */
  public static VectorSchemaRoot read(
      InputFile file, int first, int count, List<String> columns, FilterPredicate filter)
      throws IOException {
    ParquetReadOptions options = readOptions(filter);
    try (SeekableInputStream stream = file.newStream()) {
      ParquetMetadata footer = ParquetFileReader.readFooter(file, options, stream);
      List<BlockMetaData> all = footer.getBlocks();
      List<BlockMetaData> keep = new ArrayList<>();
      for (int i = first; i < first + count && i < all.size(); i++) {
        keep.add(all.get(i));
      }
      // A footer of only our row groups: the reader then drops those the filter rules out.
      ParquetFileReader r =
          new ParquetFileReader(
              file, new ParquetMetadata(footer.getFileMetaData(), keep), options, stream);
      MessageType fileSchema = footer.getFileMetaData().getSchema();
      MessageType projected = project(fileSchema, columns, file);
      Schema arrow = toArrow(projected);
      r.setRequestedSchema(projected);
      List<VectorSchemaRoot> parts = new ArrayList<>();
      try {
        PageReadStore pages;
        while ((pages = r.readNextFilteredRowGroup()) != null) {
          parts.add(readGroup(pages, projected, arrow, r.getFooter().getFileMetaData()));
        }
        if (parts.size() == 1) {
          return parts.get(0);
        }
        return Blocks.concat(arrow, parts);
      } finally {
        r.close();
        if (parts.size() != 1) {
          parts.forEach(VectorSchemaRoot::close);
        }
      }
    }
  }

  private static MessageType project(MessageType schema, List<String> columns, InputFile file) {
    for (Type t : schema.getFields()) {
      if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
        throw new IllegalArgumentException(
            file + ": column '" + t.getName() + "' is nested or repeated; only flat columns read");
      }
    }
    if (columns == null) {
      return schema;
    }
    List<Type> kept = new ArrayList<>();
    for (String c : columns) {
      if (!schema.containsField(c)) {
        throw new IllegalArgumentException(
            file + " has no column '" + c + "' (columns: " + names(schema) + ")");
      }
      kept.add(schema.getType(c));
    }
    return new MessageType(schema.getName(), kept);
  }

  private static List<String> names(MessageType schema) {
    return schema.getFields().stream().map(Type::getName).toList();
  }

  private static VectorSchemaRoot readGroup(
      PageReadStore pages,
      MessageType schema,
      Schema arrow,
      org.apache.parquet.hadoop.metadata.FileMetaData meta) {
    int rows = Math.toIntExact(pages.getRowCount());
    ColumnReadStoreImpl store =
        new ColumnReadStoreImpl(
            pages,
            new GroupRecordConverter(schema).getRootConverter(),
            schema,
            meta.getCreatedBy());
    VectorSchemaRoot root = VectorSchemaRoot.create(arrow, Blocks.ALLOCATOR);
    try {
      for (FieldVector v : root.getFieldVectors()) {
        v.setInitialCapacity(Math.max(1, rows)); // one allocation per column, no regrowth
      }
      root.allocateNew();
      List<ColumnDescriptor> cols = schema.getColumns();
      for (int c = 0; c < cols.size(); c++) {
        ColumnDescriptor d = cols.get(c);
        ColumnReader cr = store.getColumnReader(d);
        FieldVector v = root.getVector(c);
        int maxDef = d.getMaxDefinitionLevel();
        for (int i = 0; i < rows; i++) {
          if (cr.getCurrentDefinitionLevel() < maxDef) {
            while (v.getValueCapacity() <= i) {
              v.reAlloc();
            }
            v.setNull(i);
          } else {
            setFrom(v, i, cr);
          }
          cr.consume();
        }
        v.setValueCount(rows);
      }
      root.setRowCount(rows);
      return root;
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  private static void setFrom(FieldVector v, int i, ColumnReader cr) {
    switch (v) {
      case BigIntVector x -> x.setSafe(i, cr.getLong());
      case TimeStampVector x -> x.setSafe(i, cr.getLong());
      case IntVector x -> x.setSafe(i, cr.getInteger());
      case SmallIntVector x -> x.setSafe(i, (short) cr.getInteger());
      case TinyIntVector x -> x.setSafe(i, (byte) cr.getInteger());
      case DateDayVector x -> x.setSafe(i, cr.getInteger());
      case Float8Vector x -> x.setSafe(i, cr.getDouble());
      case Float4Vector x -> x.setSafe(i, cr.getFloat());
      case BitVector x -> x.setSafe(i, cr.getBoolean() ? 1 : 0);
      case VarCharVector x -> {
        java.nio.ByteBuffer b = cr.getBinary().toByteBuffer();
        x.setSafe(i, b, b.position(), b.remaining());
      }
      case VarBinaryVector x -> {
        java.nio.ByteBuffer b = cr.getBinary().toByteBuffer();
        x.setSafe(i, b, b.position(), b.remaining());
      }
      default -> throw new IllegalStateException("unreadable column " + v.getField());
    }
  }

  /** The Arrow schema of a flat Parquet schema. */
  public static Schema toArrow(MessageType schema) {
    List<Field> fields = new ArrayList<>();
    for (Type t : schema.getFields()) {
      PrimitiveType p = t.asPrimitiveType();
      LogicalTypeAnnotation ann = p.getLogicalTypeAnnotation();
      ArrowType type =
          switch (p.getPrimitiveTypeName()) {
            case INT64 ->
                ann instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts
                    ? new ArrowType.Timestamp(
                        switch (ts.getUnit()) {
                          case MILLIS -> TimeUnit.MILLISECOND;
                          case MICROS -> TimeUnit.MICROSECOND;
                          case NANOS -> TimeUnit.NANOSECOND;
                        },
                        ts.isAdjustedToUTC() ? "UTC" : null)
                    : new ArrowType.Int(64, true);
            case INT32 ->
                switch (ann) {
                  case LogicalTypeAnnotation.DateLogicalTypeAnnotation d ->
                      new ArrowType.Date(DateUnit.DAY);
                  case LogicalTypeAnnotation.IntLogicalTypeAnnotation it
                      when it.getBitWidth() < 32 ->
                      new ArrowType.Int(it.getBitWidth(), true);
                  case null, default -> new ArrowType.Int(32, true);
                };
            case DOUBLE -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
            case FLOAT -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
            case BOOLEAN -> ArrowType.Bool.INSTANCE;
            case BINARY ->
                ann instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                        || ann instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                        || ann instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation
                    ? ArrowType.Utf8.INSTANCE
                    : ArrowType.Binary.INSTANCE;
            default ->
                throw new IllegalArgumentException(
                    "Parquet column '" + t.getName() + "' has unsupported type " + p);
          };
      boolean nullable = !t.isRepetition(Type.Repetition.REQUIRED);
      fields.add(
          new Field(
              t.getName(),
              nullable ? FieldType.nullable(type) : FieldType.notNullable(type),
              null));
    }
    return new Schema(fields);
  }

  /** The Parquet schema of an Arrow schema. */
  public static MessageType toParquet(Schema schema) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (Field f : schema.getFields()) {
      Type.Repetition rep = f.isNullable() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
      Types.PrimitiveBuilder<PrimitiveType> p =
          switch (f.getType()) {
            case ArrowType.Int i when i.getBitWidth() == 64 ->
                Types.primitive(PrimitiveTypeName.INT64, rep);
            case ArrowType.Int i when i.getBitWidth() == 16 ->
                Types.primitive(PrimitiveTypeName.INT32, rep)
                    .as(LogicalTypeAnnotation.intType(16, true));
            case ArrowType.Int i when i.getBitWidth() == 8 ->
                Types.primitive(PrimitiveTypeName.INT32, rep)
                    .as(LogicalTypeAnnotation.intType(8, true));
            case ArrowType.Int i -> Types.primitive(PrimitiveTypeName.INT32, rep);
            case ArrowType.FloatingPoint fp
                when fp.getPrecision() == FloatingPointPrecision.DOUBLE ->
                Types.primitive(PrimitiveTypeName.DOUBLE, rep);
            case ArrowType.FloatingPoint fp -> Types.primitive(PrimitiveTypeName.FLOAT, rep);
            case ArrowType.Bool x -> Types.primitive(PrimitiveTypeName.BOOLEAN, rep);
            case ArrowType.Utf8 x ->
                Types.primitive(PrimitiveTypeName.BINARY, rep)
                    .as(LogicalTypeAnnotation.stringType());
            case ArrowType.Binary x -> Types.primitive(PrimitiveTypeName.BINARY, rep);
            case ArrowType.Date x ->
                Types.primitive(PrimitiveTypeName.INT32, rep).as(LogicalTypeAnnotation.dateType());
            case ArrowType.Timestamp ts ->
                Types.primitive(PrimitiveTypeName.INT64, rep)
                    .as(
                        LogicalTypeAnnotation.timestampType(
                            ts.getTimezone() != null,
                            switch (ts.getUnit()) {
                              case MILLISECOND, SECOND -> LogicalTypeAnnotation.TimeUnit.MILLIS;
                              case MICROSECOND -> LogicalTypeAnnotation.TimeUnit.MICROS;
                              case NANOSECOND -> LogicalTypeAnnotation.TimeUnit.NANOS;
                            }));
            default ->
                throw new IllegalArgumentException(
                    "column '"
                        + f.getName()
                        + "' of type "
                        + f.getType()
                        + " cannot be written to Parquet");
          };
      b.addField(p.named(f.getName()));
    }
    return b.named("schema");
  }

  /** A Parquet writer of blocks of {@code schema}: call {@link BlockWriter#write} per block. */
  public static BlockWriter writer(OutputFile out, Schema schema, CompressionCodecName codec)
      throws IOException {
    return new BlockWriter(out, schema, codec);
  }

  /** Writes blocks of one schema to one Parquet file. */
  public static final class BlockWriter implements AutoCloseable {
    private final RowSupport support;
    private final ParquetWriter<Integer> writer;

    BlockWriter(OutputFile out, Schema schema, CompressionCodecName codec) throws IOException {
      this.support = new RowSupport(toParquet(schema));
      this.writer =
          new Builder(out, support)
              .withConf(new PlainParquetConfiguration())
              .withCodecFactory(ParquetCodecs.INSTANCE)
              .withCompressionCodec(codec)
              .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
              .build();
    }

    public void write(VectorSchemaRoot block) throws IOException {
      support.block = block;
      for (int i = 0; i < block.getRowCount(); i++) {
        writer.write(i);
      }
      support.block = null;
    }

    @Override
    public void close() throws IOException {
      writer.close();
    }
  }

  private static final class Builder extends ParquetWriter.Builder<Integer, Builder> {
    private final RowSupport support;

    Builder(OutputFile out, RowSupport support) {
      super(out);
      this.support = support;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Integer> getWriteSupport(org.apache.hadoop.conf.Configuration conf) {
      return support;
    }

    @Override
    protected WriteSupport<Integer> getWriteSupport(ParquetConfiguration conf) {
      return support;
    }
  }

  /** Writes row {@code i} of the current block. */
  private static final class RowSupport extends WriteSupport<Integer> {
    private final MessageType schema;
    private RecordConsumer out;
    VectorSchemaRoot block;

    RowSupport(MessageType schema) {
      this.schema = schema;
    }

    @Override
    public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
      return new WriteContext(schema, new HashMap<>());
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(schema, new HashMap<>());
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.out = recordConsumer;
    }

    @Override
    public void write(Integer row) {
      int i = row;
      out.startMessage();
      List<FieldVector> vs = block.getFieldVectors();
      for (int c = 0; c < vs.size(); c++) {
        FieldVector v = vs.get(c);
        if (v.isNull(i)) {
          continue;
        }
        out.startField(v.getName(), c);
        switch (v) {
          case BigIntVector x -> out.addLong(x.get(i));
          case TimeStampVector x -> out.addLong(x.get(i));
          case IntVector x -> out.addInteger(x.get(i));
          case SmallIntVector x -> out.addInteger(x.get(i));
          case TinyIntVector x -> out.addInteger(x.get(i));
          case DateDayVector x -> out.addInteger(x.get(i));
          case Float8Vector x -> out.addDouble(x.get(i));
          case Float4Vector x -> out.addFloat(x.get(i));
          case BitVector x -> out.addBoolean(x.get(i) == 1);
          case VarCharVector x -> out.addBinary(Binary.fromConstantByteArray(x.get(i)));
          case VarBinaryVector x -> out.addBinary(Binary.fromConstantByteArray(x.get(i)));
          default -> throw new IllegalStateException("unwritable column " + v.getField());
        }
        out.endField(v.getName(), c);
      }
      out.endMessage();
    }
  }
}
