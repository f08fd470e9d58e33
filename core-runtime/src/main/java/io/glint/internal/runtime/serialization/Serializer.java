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

  /** Java serialization for classes that define their own (see {@link #faithful}). */
  private final JavaContractSerializer contract = new JavaContractSerializer(new Embedder());

  public Serializer(RefResolver refs, Supplier<ClassLoader> loader) {
    this.refs = refs;
    this.loader = loader;
  }

  /** A ref inside a Java-serialized value. */
  private record RefToken(byte[] reference) implements Serializable {}

  /** An actor handle inside a Java-serialized value. */
  private record ActorToken(byte[] actorId) implements Serializable {}

  /** A value Java serialization cannot write (not Serializable), written by Kryo instead. */
  private record KryoToken(byte[] bytes) implements Serializable {}

  /** Hands what Java serialization cannot carry back to Glint (refs) and to Kryo (the rest). */
  private final class Embedder implements JavaContractSerializer.Embedder {
    @Override
    public Object replace(Object value) {
      if (value instanceof ObjectRef<?> ref) {
        ObjectReference r = refs.toReference(ref);
        List<ObjectReference> c = collecting.get();
        if (c != null) {
          c.add(r);
        }
        return new RefToken(r.toByteArray());
      }
      if (value instanceof ActorHandle<?> h) {
        return new ActorToken(refs.actorIdOf(h).toByteArray());
      }
      if (value instanceof Serializable || value.getClass().isArray()) {
        return null;
      }
      Kryo kryo = pool.obtain();
      try {
        kryo.setClassLoader(loader.get());
        Output out = new Output(64, -1);
        kryo.writeClassAndObject(out, value);
        return new KryoToken(out.toBytes());
      } finally {
        pool.free(kryo);
      }
    }

    @Override
    public Object resolve(Object replacement) {
      try {
        return switch (replacement) {
          case RefToken t -> refs.fromReference(ObjectReference.parseFrom(t.reference()));
          case ActorToken t -> refs.actorFromId(ByteString.copyFrom(t.actorId()));
          case KryoToken t -> {
            Kryo kryo = pool.obtain();
            try {
              kryo.setClassLoader(loader.get());
              yield kryo.readClassAndObject(new Input(t.bytes()));
            } finally {
              pool.free(kryo);
            }
          }
          default -> replacement;
        };
      } catch (InvalidProtocolBufferException e) {
        throw new KryoException("corrupt ObjectRef", e);
      }
    }
  }

  /**
   * The written bytes: a copy when most of the buffer is unused (a small value is often kept a long
   * time, in a pending task or an object table), else the buffer itself.
   */
  private static ByteString payload(Output out) {
    byte[] buf = out.getBuffer();
    int n = out.position();
    return n < buf.length / 2
        ? ByteString.copyFrom(buf, 0, n)
        : UnsafeByteOperations.unsafeWrap(buf, 0, n);
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
      SerializedValue.Builder b =
          SerializedValue.newBuilder()
              .setFormat(ValueFormat.VALUE_FORMAT_JAVA)
              .setPayload(payload(out));
      if (!nested.isEmpty()) { // an empty addAll would still keep a list in the message
        b.addAllNestedRefs(nested);
      }
      return b.build();
    } catch (NotSerializable e) {
      throw new ObjectSerializationException(
          e.type.getName(),
          "Cannot serialize a value of type " + e.type.getName() + ": it " + e.why + HINT,
          e);
    } catch (RuntimeException e) {
      NotSerializable inner = findNotSerializable(e);
      if (inner != null) {
        String path = fieldPath(e);
        throw new ObjectSerializationException(
            inner.type.getName(),
            "Cannot serialize a value of type "
                + (value == null ? "null" : value.getClass().getName())
                + ": "
                + (path.isEmpty() ? "it contains " : "its field " + path + " holds ")
                + inner.type.getName()
                + ", which "
                + inner.why
                + HINT,
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
    ReusedInput reused = input.get();
    // Not for a read within a read on this thread: that one gets an input of its own.
    boolean reusing = !payload.hasArray() && !reused.inUse;
    try {
      kryo.setClassLoader(loader.get());
      Input in;
      if (payload.hasArray()) {
        in =
            new Input(
                payload.array(), payload.arrayOffset() + payload.position(), payload.remaining());
      } else if (reusing) {
        reused.inUse = true;
        reused.input.setBuffer(payload);
        in = reused.input;
      } else {
        in = new ByteBufferInput(payload);
      }
      return kryo.readClassAndObject(in);
    } catch (RuntimeException e) {
      String path = fieldPath(e);
      throw new ObjectSerializationException(
          "unknown",
          "Cannot deserialize a value"
              + (path.isEmpty() ? "" : " (at " + path + ")")
              + ": "
              + rootMessage(e),
          e);
    } finally {
      if (reusing) {
        reused.inUse = false;
        reused.input.setBuffer(EMPTY); // keeps no payload (a view of the store) reachable
      }
      pool.free(kryo);
      refs.endRead();
    }
  }

  /** A thread's input over direct and read-only buffers, reused by its reads (not nested ones). */
  private static final class ReusedInput {
    final ByteBufferInput input = new ByteBufferInput(EMPTY);
    boolean inUse;
  }

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
  private final ThreadLocal<ReusedInput> input = ThreadLocal.withInitial(ReusedInput::new);

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static NotSerializable findNotSerializable(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof NotSerializable ns) {
        return ns;
      }
    }
    return null;
  }

  /** How to make a type work, appended to every refusal. */
  static final String HINT =
      ". Make it java.io.Serializable (with writeObject/readObject where it keeps state that way),"
          + " give it a no-argument constructor, or register a ValueSerializer for it"
          + " (io.glint.api.ValueSerializer).";

  /**
   * Where in the value Kryo was when it failed, from its serialization trace: {@code holder.worker}
   * (outermost field first); empty when unknown.
   */
  static String fieldPath(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof KryoException k && k.getMessage() != null) {
        String m = k.getMessage();
        int at = m.indexOf("Serialization trace:");
        if (at < 0) {
          continue;
        }
        List<String> fields = new ArrayList<>();
        for (String line : m.substring(at).split("\\R")) {
          line = line.strip();
          int paren = line.indexOf(" (");
          if (paren > 0 && !line.startsWith("Serialization trace")) {
            fields.add(0, line.substring(0, paren));
          }
        }
        return String.join(".", fields);
      }
    }
    return "";
  }

  private static String rootMessage(Throwable e) {
    if (e.getMessage() == null && e.getCause() == null) {
      return e.getClass().getName();
    }
    String m = e.getMessage() == null ? e.getClass().getName() : firstLine(e.getMessage());
    Throwable c = e.getCause();
    while (c != null && c != e) {
      if (c instanceof NotSerializable ns) {
        return "type " + ns.type.getName() + " " + ns.why;
      }
      m =
          m
              + " ("
              + c.getClass().getName()
              + (c.getMessage() == null ? "" : ": " + firstLine(c.getMessage()))
              + ")";
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
    for (io.glint.api.ValueSerializer<?> vs : ValueSerializers.all(loader.get())) {
      addUserSerializer(kryo, vs);
    }
    return kryo;
  }

  private static <T> void addUserSerializer(Kryo kryo, io.glint.api.ValueSerializer<T> vs) {
    kryo.addDefaultSerializer(vs.type(), new ValueSerializers.Adapter<>(vs));
  }

  /**
   * JDK classes Kryo would take apart field by field cannot be (strong encapsulation): use Java
   * serialization for serializable ones, and refuse the rest with a clear message.
   */
  @SuppressWarnings("rawtypes")
  private com.esotericsoftware.kryo.Serializer checkCrossable(
      Class<?> type, com.esotericsoftware.kryo.Serializer s) {
    if (s instanceof ValueSerializers.Adapter) {
      return s; // the user said how
    }
    if (type.isArray() || type.isEnum() || type.isPrimitive()) {
      return s;
    }
    if (type.getName().contains("$$Lambda") && !Serializable.class.isAssignableFrom(type)) {
      throw new NotSerializable(
          type, "is a lambda that is not Serializable; use a GlintFunc or a Serializable lambda");
    }
    boolean jdk = type.getModule().isNamed();
    if (!jdk) {
      return faithful(type, s);
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

  /**
   * Kryo's default for an application class, unless it could bring the value back different:
   * classes that define their own serialization (Java's hooks) use it; collections and maps with
   * state of their own, or without a constructor to rebuild them, and classes whose transient state
   * only a constructor sets, use Java serialization when they are Serializable and are refused
   * otherwise, naming what would be lost.
   */
  @SuppressWarnings("rawtypes")
  private com.esotericsoftware.kryo.Serializer faithful(
      Class<?> type, com.esotericsoftware.kryo.Serializer s) {
    boolean serializable = Serializable.class.isAssignableFrom(type);
    if (serializable && JavaContractSerializer.definesSerializationHooks(type)) {
      return contract;
    }
    String problem = fidelityProblem(type, s);
    if (problem == null) {
      return s;
    }
    if (serializable) {
      return contract;
    }
    throw new NotSerializable(type, problem);
  }

  /** Why Kryo's serializer {@code s} could bring a {@code type} back different; null if not. */
  @SuppressWarnings("rawtypes")
  static String fidelityProblem(Class<?> type, com.esotericsoftware.kryo.Serializer s) {
    if (s instanceof CollectionSerializer || s instanceof MapSerializer) {
      if (!hasNoArgConstructor(type)) {
        return "is a collection without a no-argument constructor, so it cannot be rebuilt"
            + " element by element";
      }
      // Storage (arrays, collections, sizes and flags) is rebuilt by adding the elements; other
      // fields hold state of the collection's own.
      List<String> own = ownStateFields(type);
      if (!own.isEmpty()) {
        return "is a collection with fields of its own ("
            + String.join(", ", own)
            + "), which rebuilding it element by element would lose";
      }
      return null;
    }
    if (s instanceof FieldSerializer && !hasNoArgConstructor(type)) {
      List<String> t = ownFields(type, true);
      if (!t.isEmpty()) {
        return "has transient fields ("
            + String.join(", ", t)
            + ") and no no-argument constructor to set them, so they would arrive unset";
      }
    }
    return null;
  }

  /**
   * Non-transient fields of a collection class's own hierarchy that are not its storage: not an
   * array, a collection, a map, or a primitive (sizes, counters, flags).
   */
  private static List<String> ownStateFields(Class<?> type) {
    List<String> out = new ArrayList<>();
    for (Class<?> c = type; c != null && !c.getModule().isNamed(); c = c.getSuperclass()) {
      for (java.lang.reflect.Field f : c.getDeclaredFields()) {
        int mod = f.getModifiers();
        Class<?> t = f.getType();
        if (Modifier.isStatic(mod)
            || Modifier.isTransient(mod)
            || f.isSynthetic()
            || t.isArray()
            || t.isPrimitive()
            || java.util.Collection.class.isAssignableFrom(t)
            || java.util.Map.class.isAssignableFrom(t)) {
          continue;
        }
        out.add(f.getName());
      }
    }
    return out;
  }

  /** Instance fields declared by the application classes of the hierarchy (transient or not). */
  private static List<String> ownFields(Class<?> type, boolean transientOnes) {
    List<String> out = new ArrayList<>();
    for (Class<?> c = type; c != null && !c.getModule().isNamed(); c = c.getSuperclass()) {
      for (java.lang.reflect.Field f : c.getDeclaredFields()) {
        int mod = f.getModifiers();
        if (!Modifier.isStatic(mod)
            && !f.isSynthetic()
            && Modifier.isTransient(mod) == transientOnes) {
          out.add(f.getName());
        }
      }
    }
    return out;
  }

  private static boolean hasNoArgConstructor(Class<?> type) {
    try {
      type.getDeclaredConstructor();
      return !Modifier.isAbstract(type.getModifiers());
    } catch (NoSuchMethodException e) {
      return false;
    }
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
