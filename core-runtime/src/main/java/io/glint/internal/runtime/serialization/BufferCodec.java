package io.glint.internal.runtime.serialization;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * The BUFFER value format: flat primitive data written with one bulk copy, no serializer pass.
 *
 * <p>Layout: a 16-byte header (element type, kind, 6 reserved bytes, element count as a little
 * endian long), then the elements, little endian. Kinds: a Java primitive array (read back into a
 * new array: a Java array cannot alias shared memory, so it is filled by one bulk copy), an NIO
 * buffer (read back as a read-only view of the source memory, e.g. the store's mapping: no copy),
 * or a {@link MemorySegment} (a read-only slice: no copy).
 */
public final class BufferCodec {
  public static final int HEADER_BYTES = 16;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

  private static final byte KIND_ARRAY = 0;
  private static final byte KIND_BUFFER = 1;
  private static final byte KIND_SEGMENT = 2;

  /** Element types, with their little-endian layouts. */
  private enum Elem {
    BYTE(ValueLayout.JAVA_BYTE),
    SHORT(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE)),
    CHAR(ValueLayout.JAVA_CHAR_UNALIGNED.withOrder(LE)),
    INT(ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE)),
    LONG(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE)),
    FLOAT(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE)),
    DOUBLE(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(LE));

    final ValueLayout layout;

    Elem(ValueLayout layout) {
      this.layout = layout;
    }

    long size() {
      return layout.byteSize();
    }
  }

  private BufferCodec() {}

  /** Whether {@code value} is written in this format. */
  public static boolean handles(Object value) {
    return value instanceof byte[]
        || value instanceof short[]
        || value instanceof char[]
        || value instanceof int[]
        || value instanceof long[]
        || value instanceof float[]
        || value instanceof double[]
        || value instanceof ByteBuffer
        || value instanceof ShortBuffer
        || value instanceof CharBuffer
        || value instanceof IntBuffer
        || value instanceof LongBuffer
        || value instanceof FloatBuffer
        || value instanceof DoubleBuffer
        || value instanceof MemorySegment;
  }

  private static Elem elem(Object v) {
    return switch (v) {
      case byte[] a -> Elem.BYTE;
      case short[] a -> Elem.SHORT;
      case char[] a -> Elem.CHAR;
      case int[] a -> Elem.INT;
      case long[] a -> Elem.LONG;
      case float[] a -> Elem.FLOAT;
      case double[] a -> Elem.DOUBLE;
      case ByteBuffer b -> Elem.BYTE;
      case ShortBuffer b -> Elem.SHORT;
      case CharBuffer b -> Elem.CHAR;
      case IntBuffer b -> Elem.INT;
      case LongBuffer b -> Elem.LONG;
      case FloatBuffer b -> Elem.FLOAT;
      case DoubleBuffer b -> Elem.DOUBLE;
      case MemorySegment s -> Elem.BYTE;
      default -> throw new IllegalArgumentException("not a buffer value: " + v.getClass());
    };
  }

  private static long count(Object v) {
    return switch (v) {
      case byte[] a -> a.length;
      case short[] a -> a.length;
      case char[] a -> a.length;
      case int[] a -> a.length;
      case long[] a -> a.length;
      case float[] a -> a.length;
      case double[] a -> a.length;
      case Buffer b -> b.remaining();
      case MemorySegment s -> s.byteSize();
      default -> throw new IllegalArgumentException("not a buffer value: " + v.getClass());
    };
  }

  /** Encoded size in bytes, header included. */
  public static long encodedSize(Object value) {
    return HEADER_BYTES + count(value) * elem(value).size();
  }

  /** Encodes {@code value} into a new byte array (for values small enough to travel inline). */
  public static byte[] encode(Object value) {
    byte[] out = new byte[Math.toIntExact(encodedSize(value))];
    write(value, MemorySegment.ofArray(out));
    return out;
  }

  /** Writes {@code value} at the start of {@code dst} (at least {@link #encodedSize} bytes). */
  public static void write(Object value, MemorySegment dst) {
    Elem e = elem(value);
    long n = count(value);
    byte kind =
        value.getClass().isArray()
            ? KIND_ARRAY
            : value instanceof MemorySegment ? KIND_SEGMENT : KIND_BUFFER;
    dst.set(ValueLayout.JAVA_BYTE, 0, (byte) e.ordinal());
    dst.set(ValueLayout.JAVA_BYTE, 1, kind);
    dst.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE), 8, n);
    if (value.getClass().isArray()) {
      MemorySegment.copy(value, 0, dst, e.layout, HEADER_BYTES, Math.toIntExact(n));
      return;
    }
    if (value instanceof MemorySegment s) {
      MemorySegment.copy(s, 0, dst, HEADER_BYTES, n);
      return;
    }
    Buffer b = (Buffer) value;
    MemorySegment src = MemorySegment.ofBuffer(b); // position..limit of the buffer
    ByteOrder order = order(b);
    MemorySegment.copy(src, e.layout.withOrder(order), 0, dst, e.layout, HEADER_BYTES, n);
  }

  private static ByteOrder order(Buffer b) {
    return switch (b) {
      case ByteBuffer x -> LE; // bytes have no order
      case ShortBuffer x -> x.order();
      case CharBuffer x -> x.order();
      case IntBuffer x -> x.order();
      case LongBuffer x -> x.order();
      case FloatBuffer x -> x.order();
      case DoubleBuffer x -> x.order();
      default -> ByteOrder.nativeOrder();
    };
  }

  /**
   * Reads a value from {@code src}. Arrays are copied out; buffers and segments are read-only views
   * of {@code src}, valid as long as {@code src}'s memory is.
   */
  public static Object read(MemorySegment src) {
    Elem e = Elem.values()[src.get(ValueLayout.JAVA_BYTE, 0)];
    byte kind = src.get(ValueLayout.JAVA_BYTE, 1);
    long n = src.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE), 8);
    MemorySegment body = src.asSlice(HEADER_BYTES, n * e.size());
    if (kind == KIND_SEGMENT) {
      return body.asReadOnly();
    }
    if (kind == KIND_BUFFER) {
      ByteBuffer bytes = body.asReadOnly().asByteBuffer().order(LE);
      return switch (e) {
        case BYTE -> bytes;
        case SHORT -> bytes.asShortBuffer();
        case CHAR -> bytes.asCharBuffer();
        case INT -> bytes.asIntBuffer();
        case LONG -> bytes.asLongBuffer();
        case FLOAT -> bytes.asFloatBuffer();
        case DOUBLE -> bytes.asDoubleBuffer();
      };
    }
    int len = Math.toIntExact(n);
    Object array =
        switch (e) {
          case BYTE -> new byte[len];
          case SHORT -> new short[len];
          case CHAR -> new char[len];
          case INT -> new int[len];
          case LONG -> new long[len];
          case FLOAT -> new float[len];
          case DOUBLE -> new double[len];
        };
    MemorySegment.copy(src, e.layout, HEADER_BYTES, array, 0, len);
    return array;
  }

  /**
   * The elements of the value in {@code src}: their Java type name ({@code "double"}, ...), count
   * and memory (a slice of {@code src}, little endian).
   */
  public record Elements(String type, long count, MemorySegment data) {}

  public static Elements elements(MemorySegment src) {
    Elem e = Elem.values()[src.get(ValueLayout.JAVA_BYTE, 0)];
    long n = src.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE), 8);
    return new Elements(
        e.name().toLowerCase(java.util.Locale.ROOT), n, src.asSlice(HEADER_BYTES, n * e.size()));
  }

  /** Whether {@code value} is numeric data (short, int, long, float or double elements). */
  public static boolean isNumeric(Object value) {
    if (!handles(value)) {
      return false;
    }
    Elem e = elem(value);
    return e != Elem.BYTE && e != Elem.CHAR;
  }

  /** Whether the value in {@code src} is a view (it needs its memory to stay mapped). */
  public static boolean isView(MemorySegment src) {
    return src.get(ValueLayout.JAVA_BYTE, 1) != KIND_ARRAY;
  }
}
