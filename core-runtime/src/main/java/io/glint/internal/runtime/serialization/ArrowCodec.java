package io.glint.internal.runtime.serialization;

import io.glint.api.exception.ObjectSerializationException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import org.apache.arrow.c.ArrowArray;
import org.apache.arrow.c.ArrowSchema;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The ARROW value format: an Arrow record batch ({@link VectorSchemaRoot}) as an Arrow IPC stream.
 *
 * <p>Reads are zero-copy: {@link #read} wraps the source memory (the store's mapping) as a foreign
 * allocation and loads the vectors over slices of it, so their buffers live at addresses inside the
 * mapping. Hand-offs between Java and Python in one process use the Arrow C Data Interface ({@link
 * #exportToC}, {@link #importFromC}), which moves buffer ownership without copying.
 */
public final class ArrowCodec implements AutoCloseable {
  private final BufferAllocator allocator = new RootAllocator();

  public static boolean handles(Object value) {
    return value instanceof VectorSchemaRoot;
  }

  public BufferAllocator allocator() {
    return allocator;
  }

  /** Size of the IPC stream, computed without copying any data. */
  public long encodedSize(VectorSchemaRoot root) {
    CountingChannel c = new CountingChannel();
    writeTo(root, c);
    return c.count;
  }

  /** Writes the IPC stream at the start of {@code dst}. */
  public void write(VectorSchemaRoot root, MemorySegment dst) {
    writeTo(root, new SegmentChannel(dst.asByteBuffer()));
  }

  public byte[] encode(VectorSchemaRoot root) {
    byte[] out = new byte[Math.toIntExact(encodedSize(root))];
    write(root, MemorySegment.ofArray(out));
    return out;
  }

  private static void writeTo(VectorSchemaRoot root, WritableByteChannel ch) {
    try (ArrowStreamWriter w = new ArrowStreamWriter(root, null, ch)) {
      w.start();
      w.writeBatch();
      w.end();
    } catch (IOException e) {
      throw new ObjectSerializationException(
          "VectorSchemaRoot", "Cannot write Arrow data: " + e, e);
    }
  }

  /**
   * Loads the record batch in {@code src}. When {@code src} is native memory (a mapping) its
   * vectors point into it, no copy; {@code keepAlive} is held until the vectors are released.
   */
  public VectorSchemaRoot read(MemorySegment src, Object keepAlive) {
    return read(src, keepAlive, null);
  }

  /**
   * As {@link #read(MemorySegment, Object)}; {@code onRelease} runs once the vectors are released.
   */
  public VectorSchemaRoot read(MemorySegment src, Object keepAlive, Runnable onRelease) {
    MemorySegment source = src;
    ArrowBuf copy = null;
    if (!src.isNative()) {
      copy = allocator.buffer(src.byteSize());
      MemorySegment.copy(
          src,
          0,
          MemorySegment.ofAddress(copy.memoryAddress()).reinterpret(src.byteSize()),
          0,
          src.byteSize());
      source = MemorySegment.ofAddress(copy.memoryAddress()).reinterpret(src.byteSize());
    }
    try {
      ReadChannel in = new ReadChannel(new SegmentChannel(source.asByteBuffer()));
      Schema schema = MessageSerializer.deserializeSchema(in);
      VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
      MessageMetadataResult meta = MessageSerializer.readMessage(in);
      if (meta == null
          || meta.getMessage().headerType() != org.apache.arrow.flatbuf.MessageHeader.RecordBatch) {
        if (onRelease != null) {
          onRelease.run(); // no vector points into the source
        }
        return root;
      }
      long bodyStart = in.bytesRead();
      long bodyLength = meta.getMessageBodyLength();
      MemorySegment keep = source;
      ArrowBuf keepCopy = copy;
      ArrowBuf body =
          allocator.wrapForeignAllocation(
              new ForeignAllocation(bodyLength, source.address() + bodyStart) {
                @SuppressWarnings("unused")
                private final Object pin = new Object[] {keep, keepAlive};

                @Override
                protected void release0() {
                  if (keepCopy != null) {
                    keepCopy.close();
                  }
                  if (onRelease != null) {
                    onRelease.run();
                  }
                }
              });
      // deserializeRecordBatch takes over the body's reference: the batch holds the slices.
      try (ArrowRecordBatch batch =
          MessageSerializer.deserializeRecordBatch(meta.getMessage(), body)) {
        new VectorLoader(root).load(batch);
      }
      copy = null; // owned by the foreign allocation now
      return root;
    } catch (IOException e) {
      throw new ObjectSerializationException("VectorSchemaRoot", "Cannot read Arrow data: " + e, e);
    } finally {
      if (copy != null) {
        copy.close();
      }
    }
  }

  /** Exports {@code root} through the C Data Interface; the addresses go to the consumer. */
  public Exported exportToC(VectorSchemaRoot root) {
    ArrowArray array = ArrowArray.allocateNew(allocator);
    ArrowSchema schema = ArrowSchema.allocateNew(allocator);
    Data.exportVectorSchemaRoot(allocator, root, null, array, schema);
    return new Exported(array, schema);
  }

  /**
   * A one-dimensional Arrow vector over numeric elements ({@code type} as in {@link
   * BufferCodec.Elements}), without a copy when {@code data} is native memory; {@code keepAlive} is
   * held until the vector is released.
   */
  public FieldVector vectorOver(String type, long count, MemorySegment data, Object keepAlive) {
    ArrowBuf buf;
    if (data.isNative()) {
      buf =
          allocator.wrapForeignAllocation(
              new ForeignAllocation(data.byteSize(), data.address()) {
                @SuppressWarnings("unused")
                private final Object pin = new Object[] {data, keepAlive};

                @Override
                protected void release0() {}
              });
    } else {
      buf = allocator.buffer(Math.max(1, data.byteSize()));
      MemorySegment.copy(
          data,
          0,
          MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(data.byteSize()),
          0,
          data.byteSize());
    }
    FieldVector v =
        switch (type) {
          case "short" -> new SmallIntVector("", allocator);
          case "int" -> new IntVector("", allocator);
          case "long" -> new BigIntVector("", allocator);
          case "float" -> new Float4Vector("", allocator);
          case "double" -> new Float8Vector("", allocator);
          default -> {
            buf.close();
            throw new IllegalArgumentException("not a numeric element type: " + type);
          }
        };
    try (buf) {
      // No nulls: the vector makes its own (all set) validity bitmap and retains the data.
      v.loadFieldBuffers(new ArrowFieldNode(Math.toIntExact(count), 0), Arrays.asList(null, buf));
    }
    return v;
  }

  /**
   * A read-only NIO view of a numeric vector's values ({@code DoubleBuffer}, ...), valid while the
   * vector is open.
   */
  /** Whether a value is a numeric matrix: non-empty rows of one primitive type and length. */
  public static boolean isNumericMatrix(Object value) {
    if (!(value instanceof Object[] rows)
        || rows.length == 0
        || !(rows[0] instanceof double[]
            || rows[0] instanceof float[]
            || rows[0] instanceof long[]
            || rows[0] instanceof int[]
            || rows[0] instanceof short[])) {
      return false;
    }
    int cols = java.lang.reflect.Array.getLength(rows[0]);
    for (Object r : rows) {
      if (r == null
          || r.getClass() != rows[0].getClass()
          || java.lang.reflect.Array.getLength(r) != cols) {
        return false; // ragged
      }
    }
    return true;
  }

  /**
   * A Java matrix ({@code double[][]}, {@code long[][]}, ... with rows of one length) as a
   * fixed-size list of rows over one buffer: the rows are copied once, into Arrow memory that a
   * consumer (numpy, through the C Data Interface) reads in place. Null for anything else.
   */
  public org.apache.arrow.vector.complex.FixedSizeListVector matrixOf(Object value) {
    if (!isNumericMatrix(value)) {
      return null;
    }
    Object[] rows = (Object[]) value;
    Class<?> element = rows[0].getClass().getComponentType();
    java.lang.foreign.ValueLayout layout = elementLayout(element);
    int cols = java.lang.reflect.Array.getLength(rows[0]);
    ArrowBuf buf = allocator.buffer(Math.max(1, rows.length * cols * layout.byteSize()));
    MemorySegment dst = MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(buf.capacity());
    for (int i = 0; i < rows.length; i++) {
      MemorySegment.copy(rows[i], 0, dst, layout, i * cols * layout.byteSize(), cols);
    }
    var arrowType =
        element == double.class || element == float.class
            ? new org.apache.arrow.vector.types.pojo.ArrowType.FloatingPoint(
                element == double.class
                    ? org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE
                    : org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE)
            : new org.apache.arrow.vector.types.pojo.ArrowType.Int(
                (int) layout.byteSize() * 8, true);
    var list = org.apache.arrow.vector.complex.FixedSizeListVector.empty("", cols, allocator);
    try (buf) {
      FieldVector data =
          (FieldVector)
              list.addOrGetVector(
                      org.apache.arrow.vector.types.pojo.FieldType.notNullable(arrowType))
                  .getVector();
      list.loadFieldBuffers(new ArrowFieldNode(rows.length, 0), Arrays.asList((ArrowBuf) null));
      data.loadFieldBuffers(
          new ArrowFieldNode((long) rows.length * cols, 0), Arrays.asList(null, buf));
    }
    return list;
  }

  /**
   * The rows of a fixed-size list of numbers (a two-dimensional numpy array as Arrow exports it) as
   * a Java array of rows ({@code double[][]}, {@code long[][]}, ...): one bulk copy per row.
   */
  public static Object rowsOf(org.apache.arrow.vector.complex.FixedSizeListVector list) {
    int rows = list.getValueCount();
    int cols = list.getListSize();
    if (list.getNullCount() > 0) {
      throw new IllegalArgumentException("a matrix with null rows cannot become a Java array");
    }
    FieldVector data = (FieldVector) list.getDataVector();
    Class<?> element =
        switch (data) {
          case Float8Vector x -> double.class;
          case Float4Vector x -> float.class;
          case BigIntVector x -> long.class;
          case IntVector x -> int.class;
          case SmallIntVector x -> short.class;
          default -> throw new IllegalArgumentException("not numeric rows: " + list.getField());
        };
    if (data.getNullCount() > 0) {
      throw new IllegalArgumentException("numeric data with nulls cannot become a Java array");
    }
    java.lang.foreign.ValueLayout elementLayout = elementLayout(element);
    MemorySegment flat =
        MemorySegment.ofAddress(data.getDataBuffer().memoryAddress())
            .reinterpret((long) rows * cols * elementLayout.byteSize());
    Object m = java.lang.reflect.Array.newInstance(element.arrayType(), rows);
    for (int i = 0; i < rows; i++) {
      Object row = java.lang.reflect.Array.newInstance(element, cols);
      MemorySegment.copy(flat, elementLayout, i * cols * elementLayout.byteSize(), row, 0, cols);
      java.lang.reflect.Array.set(m, i, row);
    }
    return m;
  }

  /** How Arrow (little endian) lays out elements of a Java primitive type. */
  private static java.lang.foreign.ValueLayout elementLayout(Class<?> element) {
    return switch (element.getName()) {
      case "double" -> java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
      case "float" -> java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
      case "long" -> java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
      case "int" -> java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
      default -> java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
    };
  }

  public static Buffer bufferView(FieldVector v) {
    int width =
        switch (v) {
          case SmallIntVector x -> 2;
          case IntVector x -> 4;
          case BigIntVector x -> 8;
          case Float4Vector x -> 4;
          case Float8Vector x -> 8;
          default ->
              throw new IllegalArgumentException("not a numeric vector: " + v.getField().getType());
        };
    if (v.getNullCount() > 0) {
      throw new IllegalArgumentException("numeric data with nulls cannot become a Java buffer");
    }
    ByteBuffer bytes =
        v.getDataBuffer()
            .nioBuffer(0, v.getValueCount() * width)
            .asReadOnlyBuffer()
            .order(ByteOrder.LITTLE_ENDIAN);
    return switch (v) {
      case SmallIntVector x -> bytes.asShortBuffer();
      case IntVector x -> bytes.asIntBuffer();
      case BigIntVector x -> bytes.asLongBuffer();
      case Float4Vector x -> bytes.asFloatBuffer();
      default -> bytes.asDoubleBuffer();
    };
  }

  /** Exports one vector through the C Data Interface. */
  public Exported exportToC(FieldVector vector) {
    ArrowArray array = ArrowArray.allocateNew(allocator);
    ArrowSchema schema = ArrowSchema.allocateNew(allocator);
    Data.exportVector(allocator, vector, null, array, schema);
    return new Exported(array, schema);
  }

  /** Imports one array a producer exported into these structures (no copy). */
  public FieldVector importVectorFromC(ArrowArray array, ArrowSchema schema) {
    return Data.importVector(allocator, array, schema, null);
  }

  /** Imports a record batch a producer exported into these structures (no copy). */
  public VectorSchemaRoot importFromC(ArrowArray array, ArrowSchema schema) {
    return Data.importVectorSchemaRoot(allocator, array, schema, null);
  }

  public ArrowArray newArray() {
    return ArrowArray.allocateNew(allocator);
  }

  public ArrowSchema newSchema() {
    return ArrowSchema.allocateNew(allocator);
  }

  /** C Data structures handed to a consumer; close after it imported them. */
  public record Exported(ArrowArray array, ArrowSchema schema) implements AutoCloseable {
    @Override
    public void close() {
      // Releases what the consumer did not import (a no-op for what it did), then the structs.
      array.release();
      array.close();
      schema.release();
      schema.close();
    }
  }

  @Override
  public void close() {
    try {
      allocator.close();
    } catch (IllegalStateException e) {
      // Buffers still referenced by user code (zero-copy views): the GC reclaims the mappings.
    }
  }

  /** Counts bytes written. */
  private static final class CountingChannel implements WritableByteChannel {
    long count;

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      src.position(src.limit());
      count += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** A channel over a buffer (a mapping), reading or writing in place. */
  private static final class SegmentChannel implements WritableByteChannel, ReadableByteChannel {
    private final ByteBuffer buf;

    SegmentChannel(ByteBuffer buf) {
      this.buf = buf;
    }

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      buf.put(src);
      return n;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (!buf.hasRemaining()) {
        return -1;
      }
      int n = Math.min(dst.remaining(), buf.remaining());
      ByteBuffer slice = buf.slice(buf.position(), n);
      dst.put(slice);
      buf.position(buf.position() + n);
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
