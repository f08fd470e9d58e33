package io.glint.internal.runtime.serialization;

import io.glint.api.ObjectRef;
import io.glint.api.exception.ObjectSerializationException;
import io.glint.internal.proto.ObjectReference;
import java.io.IOException;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * The XLANG value format: MessagePack, for values that cross languages. Java side of the mapping:
 *
 * <ul>
 *   <li>null, booleans, integers (to {@code Long}), floats (to {@code Double}), strings, {@code
 *       byte[]} (bin);
 *   <li>collections, arrays and primitive arrays to lists (decoded as {@code ArrayList}); maps to
 *       maps ({@code LinkedHashMap}); records to maps of their components; enums to their names;
 *   <li>{@link ObjectRef}s as extension type 1 holding the protocol's {@code ObjectReference}.
 * </ul>
 *
 * <p>{@link #convert} turns decoded values into a declared Java type (numbers to the right width,
 * maps to records, lists to arrays). A value with no XLANG form fails naming its type.
 */
public final class XlangCodec {
  public static final byte OBJECT_REF_EXT = 1;

  /**
   * A value with a natural equivalent in the other language, as a tag and its text: UUIDs, big
   * decimals and {@code java.time} values reach Python as {@code uuid.UUID}, {@code
   * decimal.Decimal}, {@code datetime} values (see glint._values).
   */
  public static final byte TYPED_TEXT_EXT = 6;

  /**
   * A Python object pickled by a Python caller (cloudpickle): opaque here, kept as an {@link Ext}
   * and written back unchanged. The refs it holds travel beside it in the same MessagePack array,
   * so {@link #refsIn} and ref counting see them.
   */
  public static final byte PICKLE_EXT = 7;

  /** A MessagePack extension written as is (e.g. a C Data hand-off for Python). */
  public record Ext(byte type, byte[] data) {}

  private final RefResolver refs;
  private final java.util.function.Function<ObjectRef<?>, Ext> refWriter;

  public XlangCodec(RefResolver refs) {
    this(refs, null);
  }

  /**
   * A codec that writes refs with {@code refWriter} (e.g. as handles the receiving Python code
   * releases) instead of as escaped references; decoding is the same.
   */
  public XlangCodec(RefResolver refs, java.util.function.Function<ObjectRef<?>, Ext> refWriter) {
    this.refs = refs;
    this.refWriter = refWriter;
  }

  /**
   * Encodes a value. A ref inside it is written as an escaped reference (kept for the job's life,
   * see {@link RefResolver#toForeignReference}); prefer {@link #encode(Object, List)}.
   */
  public byte[] encode(Object value) {
    return encode(value, null);
  }

  /**
   * Encodes a value, adding the refs written into it to {@code nestedOut}: the caller keeps them
   * alive as long as the encoded value (as for the JAVA format's nested refs).
   */
  public byte[] encode(Object value, List<ObjectReference> nestedOut) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      write(p, nestedOut, value, value);
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void write(MessageBufferPacker p, List<ObjectReference> nested, Object v, Object top)
      throws IOException {
    switch (v) {
      case null -> p.packNil();
      case Boolean b -> p.packBoolean(b);
      case Byte b -> p.packLong(b);
      case Short s -> p.packLong(s);
      case Integer i -> p.packLong(i);
      case Long l -> p.packLong(l);
      case BigInteger bi -> p.packBigInteger(bi);
      case Float f -> p.packDouble(f);
      case Double d -> p.packDouble(d);
      case String s -> p.packString(s);
      case Character c -> p.packString(String.valueOf(c));
      case byte[] b -> {
        p.packBinaryHeader(b.length);
        p.writePayload(b);
      }
      case ByteBuffer bb -> {
        ByteBuffer d = bb.duplicate();
        p.packBinaryHeader(d.remaining());
        byte[] tmp = new byte[d.remaining()];
        d.get(tmp);
        p.writePayload(tmp);
      }
      case ShortBuffer b -> {
        ShortBuffer d = b.duplicate();
        p.packArrayHeader(d.remaining());
        while (d.hasRemaining()) {
          p.packLong(d.get());
        }
      }
      case IntBuffer b -> {
        IntBuffer d = b.duplicate();
        p.packArrayHeader(d.remaining());
        while (d.hasRemaining()) {
          p.packLong(d.get());
        }
      }
      case LongBuffer b -> {
        LongBuffer d = b.duplicate();
        p.packArrayHeader(d.remaining());
        while (d.hasRemaining()) {
          p.packLong(d.get());
        }
      }
      case FloatBuffer b -> {
        FloatBuffer d = b.duplicate();
        p.packArrayHeader(d.remaining());
        while (d.hasRemaining()) {
          p.packDouble(d.get());
        }
      }
      case DoubleBuffer b -> {
        DoubleBuffer d = b.duplicate();
        p.packArrayHeader(d.remaining());
        while (d.hasRemaining()) {
          p.packDouble(d.get());
        }
      }
      case Enum<?> e -> p.packString(e.name());
      case java.util.UUID u -> typedText(p, "uuid", u.toString());
      case java.math.BigDecimal d -> typedText(p, "decimal", d.toString());
      case java.time.LocalDate d -> typedText(p, "date", d.toString());
      case java.time.LocalTime d -> typedText(p, "time", d.toString());
      case java.time.LocalDateTime d -> typedText(p, "datetime", d.toString());
      case java.time.Instant d -> typedText(p, "instant", d.toString());
      case java.time.OffsetDateTime d -> typedText(p, "offset_datetime", d.toString());
      case java.time.ZonedDateTime d ->
          typedText(p, "offset_datetime", d.toOffsetDateTime().toString());
      case java.time.Duration d ->
          typedText(
              p,
              "duration",
              java.math.BigDecimal.valueOf(d.getSeconds())
                  .add(java.math.BigDecimal.valueOf(d.getNano(), 9))
                  .toPlainString());
      case Optional<?> o -> write(p, nested, o.orElse(null), top);
      case Ext x -> {
        p.packExtensionTypeHeader(x.type(), x.data().length);
        p.writePayload(x.data());
      }
      case ObjectRef<?> r when refWriter != null -> write(p, nested, refWriter.apply(r), top);
      case ObjectRef<?> r -> {
        ObjectReference ref;
        if (nested != null) {
          ref = refs.toReference(r);
          nested.add(ref);
        } else {
          ref = refs.toForeignReference(r);
        }
        byte[] data = ref.toByteArray();
        p.packExtensionTypeHeader(OBJECT_REF_EXT, data.length);
        p.writePayload(data);
      }
      case Map<?, ?> m -> {
        p.packMapHeader(m.size());
        for (Map.Entry<?, ?> e : m.entrySet()) {
          write(p, nested, e.getKey(), top);
          write(p, nested, e.getValue(), top);
        }
      }
      case Collection<?> c -> {
        p.packArrayHeader(c.size());
        for (Object o : c) {
          write(p, nested, o, top);
        }
      }
      case Record r -> {
        RecordComponent[] comps = r.getClass().getRecordComponents();
        p.packMapHeader(comps.length);
        for (RecordComponent rc : comps) {
          p.packString(rc.getName());
          try {
            var acc = rc.getAccessor();
            acc.setAccessible(true);
            write(p, nested, acc.invoke(r), top);
          } catch (ReflectiveOperationException e) {
            throw new ObjectSerializationException(
                r.getClass().getName(), "Cannot read record component " + rc.getName(), e);
          }
        }
      }
      default -> {
        if (v.getClass().isArray()) {
          int n = Array.getLength(v);
          p.packArrayHeader(n);
          for (int i = 0; i < n; i++) {
            write(p, nested, Array.get(v, i), top);
          }
          return;
        }
        throw new ObjectSerializationException(
            v.getClass().getName(),
            "Cannot send a value of type "
                + v.getClass().getName()
                + (v == top ? "" : " (inside a " + top.getClass().getName() + ")")
                + " to another language: only null, booleans, numbers, strings, bytes, lists,"
                + " maps, records, enums, UUIDs, big decimals, java.time values and ObjectRefs"
                + " cross",
            null);
      }
    }
  }

  public Object decode(byte[] data) {
    return decode(ByteBuffer.wrap(data));
  }

  /** The refs inside an encoded value, without decoding it (or borrowing them). */
  public static List<ObjectReference> refsIn(byte[] data) {
    List<ObjectReference> out = new ArrayList<>();
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(data)) {
      while (u.hasNext()) {
        collectRefs(u, out);
      }
    } catch (IOException e) {
      throw new ObjectSerializationException("XLANG", "Corrupt XLANG value: " + e.getMessage(), e);
    }
    return out;
  }

  private static void collectRefs(MessageUnpacker u, List<ObjectReference> out) throws IOException {
    switch (u.getNextFormat().getValueType()) {
      case ARRAY -> {
        int n = u.unpackArrayHeader();
        for (int i = 0; i < n; i++) {
          collectRefs(u, out);
        }
      }
      case MAP -> {
        int n = u.unpackMapHeader();
        for (int i = 0; i < 2 * n; i++) {
          collectRefs(u, out);
        }
      }
      case EXTENSION -> {
        var h = u.unpackExtensionTypeHeader();
        byte[] payload = u.readPayload(h.getLength());
        if (h.getType() == OBJECT_REF_EXT) {
          out.add(ObjectReference.parseFrom(payload));
        }
      }
      default -> u.skipValue();
    }
  }

  public Object decode(ByteBuffer data) {
    ByteBuffer in = data.duplicate();
    if (!in.hasArray()) {
      // A read-only heap buffer or a mapping of the store: MessagePack reads heap arrays, and
      // direct memory only through JDK internals a plain JVM does not open to it. One copy.
      byte[] copy = new byte[in.remaining()];
      in.get(copy);
      in = ByteBuffer.wrap(copy);
    }
    if (refs != null) {
      refs.beginRead();
    }
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(in)) {
      return read(u);
    } catch (IOException e) {
      throw new ObjectSerializationException("XLANG", "Corrupt XLANG value: " + e.getMessage(), e);
    } finally {
      if (refs != null) {
        refs.endRead();
      }
    }
  }

  private Object read(MessageUnpacker u) throws IOException {
    ValueType t = u.getNextFormat().getValueType();
    switch (t) {
      case NIL:
        u.unpackNil();
        return null;
      case BOOLEAN:
        return u.unpackBoolean();
      case INTEGER:
        switch (u.getNextFormat()) {
          case UINT64:
            BigInteger b = u.unpackBigInteger();
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
          default:
            return u.unpackLong();
        }
      case FLOAT:
        return u.unpackDouble();
      case STRING:
        return u.unpackString();
      case BINARY:
        return u.readPayload(u.unpackBinaryHeader());
      case ARRAY:
        {
          int n = u.unpackArrayHeader();
          List<Object> l = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            l.add(read(u));
          }
          return l;
        }
      case MAP:
        {
          int n = u.unpackMapHeader();
          Map<Object, Object> m = new LinkedHashMap<>(Math.max(4, n * 2));
          for (int i = 0; i < n; i++) {
            Object k = read(u);
            m.put(k, read(u));
          }
          return m;
        }
      case EXTENSION:
        {
          var h = u.unpackExtensionTypeHeader();
          byte[] payload = u.readPayload(h.getLength());
          if (h.getType() == OBJECT_REF_EXT) {
            return refs.fromReference(ObjectReference.parseFrom(payload));
          }
          if (h.getType() == TYPED_TEXT_EXT) {
            return fromTypedText(payload);
          }
          if (h.getType() == PICKLE_EXT) {
            return new Ext(PICKLE_EXT, payload);
          }
          throw new ObjectSerializationException(
              "ext" + h.getType(), "Unknown XLANG extension type " + h.getType(), null);
        }
      default:
        throw new ObjectSerializationException(t.name(), "Unknown XLANG value " + t, null);
    }
  }

  private static void typedText(MessageBufferPacker p, String tag, String text) throws IOException {
    byte[] payload;
    try (var inner = MessagePack.newDefaultBufferPacker()) {
      inner.packArrayHeader(2).packString(tag).packString(text);
      payload = inner.toByteArray();
    }
    p.packExtensionTypeHeader(TYPED_TEXT_EXT, payload.length);
    p.writePayload(payload);
  }

  private static Object fromTypedText(byte[] payload) throws IOException {
    String tag;
    String text;
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(payload)) {
      u.unpackArrayHeader();
      tag = u.unpackString();
      text = u.unpackString();
    }
    try {
      return switch (tag) {
        case "uuid" -> java.util.UUID.fromString(text);
        case "decimal" -> new java.math.BigDecimal(text);
        case "date" -> java.time.LocalDate.parse(text);
        case "time" -> java.time.LocalTime.parse(text);
        case "datetime" -> java.time.LocalDateTime.parse(text);
        case "instant" -> java.time.Instant.parse(text);
        case "offset_datetime" -> java.time.OffsetDateTime.parse(text);
        case "duration" -> {
          java.math.BigDecimal secs = new java.math.BigDecimal(text);
          long whole = secs.longValue();
          yield java.time.Duration.ofSeconds(
              whole,
              secs.subtract(java.math.BigDecimal.valueOf(whole)).movePointRight(9).longValue());
        }
        default ->
            throw new ObjectSerializationException(
                tag, "Unknown XLANG typed value '" + tag + "'", null);
      };
    } catch (RuntimeException e) {
      if (e instanceof ObjectSerializationException o) {
        throw o;
      }
      throw new ObjectSerializationException(
          tag, "Cannot read the XLANG " + tag + " '" + text + "': " + e.getMessage(), e);
    }
  }

  /** An array as a list, nested arrays as nested lists, primitives boxed. */
  private static List<Object> asList(Object array) {
    int n = Array.getLength(array);
    List<Object> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Object e = Array.get(array, i);
      out.add(e != null && e.getClass().isArray() ? asList(e) : e);
    }
    return out;
  }

  /** A numeric NIO buffer (a view of numeric data) copied into the primitive array asked for. */
  private static Object bufferToArray(Object v, Class<?> target) {
    return switch (v) {
      case DoubleBuffer b when target == double[].class -> {
        double[] a = new double[b.remaining()];
        b.duplicate().get(a);
        yield a;
      }
      case FloatBuffer b when target == float[].class -> {
        float[] a = new float[b.remaining()];
        b.duplicate().get(a);
        yield a;
      }
      case LongBuffer b when target == long[].class -> {
        long[] a = new long[b.remaining()];
        b.duplicate().get(a);
        yield a;
      }
      case IntBuffer b when target == int[].class -> {
        int[] a = new int[b.remaining()];
        b.duplicate().get(a);
        yield a;
      }
      case ShortBuffer b when target == short[].class -> {
        short[] a = new short[b.remaining()];
        b.duplicate().get(a);
        yield a;
      }
      default -> null;
    };
  }

  /**
   * Converts a decoded value to {@code target}: numbers to the declared width, lists to arrays,
   * maps to records (by component name). Values already of the type pass through.
   */
  @SuppressWarnings("unchecked")
  public static <T> T convert(Object v, Class<T> target) {
    if (target == null || target == Object.class || v == null) {
      return (T) v;
    }
    Class<?> boxed = box(target);
    if (boxed.isInstance(v)) {
      return (T) v;
    }
    if (v instanceof Number n) {
      Object r =
          switch (boxed.getSimpleName()) {
            case "Integer" -> n.intValue();
            case "Long" -> n.longValue();
            case "Double" -> n.doubleValue();
            case "Float" -> n.floatValue();
            case "Short" -> n.shortValue();
            case "Byte" -> n.byteValue();
            case "BigInteger" -> BigInteger.valueOf(n.longValue());
            default -> null;
          };
      if (r != null) {
        return (T) r;
      }
    }
    if (v instanceof String s && (boxed == Character.class) && s.length() == 1) {
      return (T) (Character) s.charAt(0);
    }
    if (v instanceof String s && target.isEnum()) {
      for (Object c : target.getEnumConstants()) {
        if (((Enum<?>) c).name().equals(s)) {
          return (T) c;
        }
      }
    }
    Object bulk = bufferToArray(v, target);
    if (bulk != null) {
      return (T) bulk;
    }
    if (v.getClass().isArray() && (target.isArray() || target.isAssignableFrom(ArrayList.class))) {
      // A Java array (a matrix from a numpy result, say) asked for as a list or another array.
      return convert(asList(v), target);
    }
    if (v instanceof List<?> l && target.isArray()) {
      Class<?> comp = target.getComponentType();
      Object arr = Array.newInstance(comp, l.size());
      for (int i = 0; i < l.size(); i++) {
        Array.set(arr, i, convert(l.get(i), comp));
      }
      return (T) arr;
    }
    if (v instanceof Map<?, ?> m && target.isRecord()) {
      RecordComponent[] comps = target.getRecordComponents();
      Object[] args = new Object[comps.length];
      Class<?>[] types = new Class<?>[comps.length];
      for (int i = 0; i < comps.length; i++) {
        types[i] = comps[i].getType();
        args[i] = convert(m.get(comps[i].getName()), types[i]);
      }
      try {
        Constructor<?> c = target.getDeclaredConstructor(types);
        c.setAccessible(true);
        return (T) c.newInstance(args);
      } catch (ReflectiveOperationException e) {
        throw new ObjectSerializationException(
            target.getName(), "Cannot build " + target.getName() + " from " + m.keySet(), e);
      }
    }
    throw new ObjectSerializationException(
        v.getClass().getName(),
        "A "
            + v.getClass().getSimpleName()
            + " from another language cannot become a "
            + target.getName(),
        null);
  }

  private static Class<?> box(Class<?> c) {
    if (!c.isPrimitive()) {
      return c;
    }
    return switch (c.getName()) {
      case "int" -> Integer.class;
      case "long" -> Long.class;
      case "double" -> Double.class;
      case "float" -> Float.class;
      case "short" -> Short.class;
      case "byte" -> Byte.class;
      case "boolean" -> Boolean.class;
      case "char" -> Character.class;
      default -> Void.class;
    };
  }
}
