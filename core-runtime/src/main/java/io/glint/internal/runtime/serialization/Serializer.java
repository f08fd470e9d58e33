package io.glint.internal.runtime.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.ByteBufferInput;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ClosureSerializer;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.FieldSerializer;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.Pool;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.glint.api.ActorHandle;
import io.glint.api.ObjectRef;
import io.glint.api.exception.ObjectSerializationException;
import io.glint.internal.proto.ObjectReference;
import io.glint.internal.proto.SerializedValue;
import io.glint.internal.proto.ValueFormat;
import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * The JAVA value format: Kryo for arbitrary Java objects (records, POJOs without no-arg
 * constructors, collections, cycles). {@link ObjectRef}s and {@link ActorHandle}s inside values are
 * written as references through a {@link RefResolver}; every ref written is reported in the value's
 * {@code nested_refs}.
 *
 * <p>Types that cannot cross processes (threads, streams, sockets, non-serializable lambdas,
 * JDK-internal state) fail with an {@link ObjectSerializationException} naming the type.
 */
public final class Serializer {
  private final RefResolver refs;
  private final Supplier<ClassLoader> loader;
  private final ThreadLocal<List<ObjectReference>> collecting = new ThreadLocal<>();
  private final Pool<Kryo> pool =
      new Pool<>(true, false, 64) {
        @Override
        protected Kryo create() {
          return newKryo();
        }
      };

  static {
    // Kryo's closure support probes a JDK-internal field and logs a warning with a stack trace when
    // strong encapsulation refuses; it works without it. Keep Kryo's own log to errors.
    com.esotericsoftware.minlog.Log.set(com.esotericsoftware.minlog.Log.LEVEL_ERROR);
  }

  public Serializer(RefResolver refs, Supplier<ClassLoader> loader) {
    this.refs = refs;
    this.loader = loader;
  }

  /** Serializes {@code value} in the JAVA format. */
  public SerializedValue serialize(Object value) {
    List<ObjectReference> nested = new ArrayList<>(0);
    List<ObjectReference> outer = collecting.get();
    collecting.set(nested);
    Kryo kryo = pool.obtain();
    try {
      kryo.setClassLoader(loader.get());
      Output out = new Output(64, -1);
      kryo.writeClassAndObject(out, value);
      return SerializedValue.newBuilder()
          .setFormat(ValueFormat.VALUE_FORMAT_JAVA)
          .setPayload(UnsafeByteOperations.unsafeWrap(out.getBuffer(), 0, out.position()))
          .addAllNestedRefs(nested)
          .build();
    } catch (NotSerializable e) {
      throw new ObjectSerializationException(
          e.type.getName(),
          "Cannot serialize a value of type " + e.type.getName() + ": " + e.why,
          e);
    } catch (RuntimeException e) {
      NotSerializable inner = findNotSerializable(e);
      if (inner != null) {
        throw new ObjectSerializationException(
            inner.type.getName(),
            "Cannot serialize a value of type "
                + (value == null ? "null" : value.getClass().getName())
                + ": it contains "
                + inner.type.getName()
                + ", which "
                + inner.why,
            e);
      }
      String type = value == null ? "null" : value.getClass().getName();
      throw new ObjectSerializationException(
          type, "Cannot serialize a value of type " + type + ": " + rootMessage(e), e);
    } finally {
      pool.free(kryo);
      collecting.set(outer);
    }
  }

  public Object deserialize(SerializedValue value) {
    return deserialize(value.getFormat(), value.getPayload().asReadOnlyByteBuffer());
  }

  /** Reads a value of {@code format} from {@code payload} (heap or direct, e.g. a mapping). */
  public Object deserialize(ValueFormat format, ByteBuffer payload) {
    if (format != ValueFormat.VALUE_FORMAT_JAVA) {
      throw new ObjectSerializationException(
          format.name(),
          "This Java process cannot read values in format "
              + format
              + " (cross-language values arrive with the Python interop)",
          null);
    }
    Kryo kryo = pool.obtain();
    refs.beginRead();
    try {
      kryo.setClassLoader(loader.get());
      Input in =
          payload.hasArray()
              ? new Input(
                  payload.array(), payload.arrayOffset() + payload.position(), payload.remaining())
              : new ByteBufferInput(payload);
      return kryo.readClassAndObject(in);
    } catch (RuntimeException e) {
      throw new ObjectSerializationException(
          "unknown", "Cannot deserialize a value: " + rootMessage(e), e);
    } finally {
      pool.free(kryo);
      refs.endRead();
    }
  }

  private static NotSerializable findNotSerializable(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof NotSerializable ns) {
        return ns;
      }
    }
    return null;
  }

  private static String rootMessage(Throwable e) {
    String m = e.getMessage();
    Throwable c = e.getCause();
    while (c != null && c != e) {
      if (c instanceof NotSerializable ns) {
        return "type " + ns.type.getName() + " " + ns.why;
      }
      if (c.getMessage() != null) {
        m = m + " (" + c.getClass().getSimpleName() + ": " + c.getMessage() + ")";
      }
      e = c;
      c = c.getCause();
    }
    return m;
  }

  private Kryo newKryo() {
    Kryo kryo =
        new Kryo() {
          @Override
          @SuppressWarnings({"rawtypes", "unchecked"})
          public com.esotericsoftware.kryo.Serializer getDefaultSerializer(Class type) {
            com.esotericsoftware.kryo.Serializer s;
            try {
              s = super.getDefaultSerializer(type);
            } catch (RuntimeException e) {
              // Kryo could not take the class apart (e.g. JDK internals under strong
              // encapsulation).
              if (type.getModule().isNamed() && Serializable.class.isAssignableFrom(type)) {
                return new JavaSerializer();
              }
              throw new NotSerializable(
                  type,
                  type.getModule().isNamed()
                      ? "holds process-local state (threads, streams, sockets, native handles) and"
                          + " cannot be sent to another process"
                      : "cannot be taken apart by the serializer: " + e.getMessage());
            }
            return checkCrossable(type, s);
          }
        };
    kryo.setRegistrationRequired(false);
    kryo.setReferences(true);
    kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    kryo.register(
        ClosureSerializer.Closure.class,
        new ClosureSerializer() {
          @Override
          public void write(Kryo k, Output output, Object object) {
            if (!(object instanceof Serializable)) {
              throw new NotSerializable(
                  object.getClass(),
                  "is a lambda that is not Serializable; pass a GlintFunc or cast the lambda to"
                      + " an intersection with Serializable");
            }
            super.write(k, output, object);
          }
        });
    kryo.addDefaultSerializer(ObjectRef.class, new ObjectRefSerializer());
    kryo.addDefaultSerializer(ActorHandle.class, new ActorHandleSerializer());
    return kryo;
  }

  /**
   * JDK classes Kryo would take apart field by field cannot be (strong encapsulation): use Java
   * serialization for serializable ones, and refuse the rest with a clear message.
   */
  @SuppressWarnings("rawtypes")
  private static com.esotericsoftware.kryo.Serializer checkCrossable(
      Class<?> type, com.esotericsoftware.kryo.Serializer s) {
    if (type.isArray() || type.isEnum() || type.isPrimitive()) {
      return s;
    }
    if (type.getName().contains("$$Lambda") && !Serializable.class.isAssignableFrom(type)) {
      throw new NotSerializable(
          type, "is a lambda that is not Serializable; use a GlintFunc or a Serializable lambda");
    }
    boolean jdk = type.getModule().isNamed();
    if (!jdk) {
      return s;
    }
    if (JdkCollectionSerializer.handles(type)
        && !hasPublicNoArgConstructor(type)
        && !(s
            instanceof com.esotericsoftware.kryo.serializers.DefaultSerializers.TreeMapSerializer)
        && !(s
            instanceof
            com.esotericsoftware.kryo.serializers.DefaultSerializers.TreeSetSerializer)) {
      return new JdkCollectionSerializer();
    }
    boolean generic =
        s instanceof FieldSerializer
            || ((s instanceof CollectionSerializer || s instanceof MapSerializer)
                && !hasPublicNoArgConstructor(type));
    if (!generic) {
      return s;
    }
    if (Serializable.class.isAssignableFrom(type)) {
      return new JavaSerializer();
    }
    throw new NotSerializable(
        type,
        "holds process-local state (threads, streams, sockets, native handles) and cannot be sent to another process");
  }

  private static boolean hasPublicNoArgConstructor(Class<?> type) {
    if (!Modifier.isPublic(type.getModifiers())) {
      return false;
    }
    try {
      Constructor<?> c = type.getConstructor();
      return Modifier.isPublic(c.getModifiers());
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /** Raised inside Kryo when a type cannot cross processes. */
  static final class NotSerializable extends RuntimeException {
    final Class<?> type;
    final String why;

    NotSerializable(Class<?> type, String why) {
      super("type " + type.getName() + " " + why);
      this.type = type;
      this.why = why;
    }
  }

  private final class ObjectRefSerializer
      extends com.esotericsoftware.kryo.Serializer<ObjectRef<?>> {
    ObjectRefSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, ObjectRef<?> ref) {
      ObjectReference r = refs.toReference(ref);
      List<ObjectReference> c = collecting.get();
      if (c != null) {
        c.add(r);
      }
      byte[] bytes = r.toByteArray();
      output.writeVarInt(bytes.length, true);
      output.writeBytes(bytes);
    }

    @Override
    public ObjectRef<?> read(Kryo kryo, Input input, Class<? extends ObjectRef<?>> type) {
      int n = input.readVarInt(true);
      try {
        return refs.fromReference(ObjectReference.parseFrom(input.readBytes(n)));
      } catch (InvalidProtocolBufferException e) {
        throw new KryoException("corrupt ObjectRef", e);
      }
    }
  }

  private final class ActorHandleSerializer
      extends com.esotericsoftware.kryo.Serializer<ActorHandle<?>> {
    ActorHandleSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, ActorHandle<?> handle) {
      byte[] id = refs.actorIdOf(handle).toByteArray();
      output.writeVarInt(id.length, true);
      output.writeBytes(id);
    }

    @Override
    public ActorHandle<?> read(Kryo kryo, Input input, Class<? extends ActorHandle<?>> type) {
      int n = input.readVarInt(true);
      return refs.actorFromId(ByteString.copyFrom(input.readBytes(n)));
    }
  }
}
