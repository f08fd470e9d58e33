package io.glint.internal.runtime.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.glint.api.ValueSerializer;
import io.glint.api.exception.ConfigurationException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link ValueSerializer}s of this process: those a jar lists in {@code
 * META-INF/services/io.glint.api.ValueSerializer}, and those the job names (the driver's {@code
 * InitOptions.serializer}, handed to workers as {@link #PROPERTY}). Register before the first value
 * is serialized.
 */
public final class ValueSerializers {
  /** The worker property naming the job's serializer classes, comma-separated. */
  public static final String PROPERTY = "glint.serializers";

  private static final CopyOnWriteArrayList<ValueSerializer<?>> REGISTERED =
      new CopyOnWriteArrayList<>();
  private static volatile boolean serviceLoaded;

  private ValueSerializers() {}

  /** Registers serializers by class name (the worker's side of {@link #PROPERTY}). */
  public static void register(String classNames, ClassLoader loader) {
    if (classNames == null || classNames.isBlank()) {
      return;
    }
    for (String name : classNames.split(",")) {
      String n = name.strip();
      if (n.isEmpty()) {
        continue;
      }
      try {
        Class<?> c = Class.forName(n, true, loader);
        add((ValueSerializer<?>) c.getConstructor().newInstance());
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new ConfigurationException(
            "Cannot create the value serializer "
                + n
                + ": "
                + e
                + " (it needs a public no-argument constructor and to implement"
                + " io.glint.api.ValueSerializer)");
      }
    }
  }

  /** Registers a serializer instance. */
  public static void add(ValueSerializer<?> s) {
    for (ValueSerializer<?> r : REGISTERED) {
      if (r.getClass() == s.getClass()) {
        return;
      }
    }
    REGISTERED.add(s);
  }

  /** Every registered serializer, with those of the class path's service files. */
  static List<ValueSerializer<?>> all(ClassLoader loader) {
    if (!serviceLoaded) {
      synchronized (ValueSerializers.class) {
        if (!serviceLoaded) {
          for (ValueSerializer<?> s : ServiceLoader.load(ValueSerializer.class, loader)) {
            add(s);
          }
          serviceLoaded = true;
        }
      }
    }
    return new ArrayList<>(REGISTERED);
  }

  /** Kryo's view of a {@link ValueSerializer}. */
  static final class Adapter<T> extends com.esotericsoftware.kryo.Serializer<T> {
    private final ValueSerializer<T> user;

    Adapter(ValueSerializer<T> user) {
      this.user = user;
    }

    @Override
    public void write(Kryo kryo, Output output, T value) {
      user.write(new Writer(kryo, output), value);
    }

    @Override
    public T read(Kryo kryo, Input input, Class<? extends T> type) {
      return user.read(new Reader(kryo, input));
    }
  }

  private record Writer(Kryo kryo, Output out) implements ValueSerializer.ValueWriter {
    @Override
    public void writeBoolean(boolean v) {
      out.writeBoolean(v);
    }

    @Override
    public void writeInt(int v) {
      out.writeVarInt(v, false);
    }

    @Override
    public void writeLong(long v) {
      out.writeVarLong(v, false);
    }

    @Override
    public void writeDouble(double v) {
      out.writeDouble(v);
    }

    @Override
    public void writeString(String v) {
      out.writeString(v);
    }

    @Override
    public void writeBytes(byte[] v) {
      if (v == null) {
        out.writeVarInt(0, true);
        return;
      }
      out.writeVarInt(v.length + 1, true);
      out.writeBytes(v);
    }

    @Override
    public void writeObject(Object v) {
      kryo.writeClassAndObject(out, v);
    }
  }

  private record Reader(Kryo kryo, Input in) implements ValueSerializer.ValueReader {
    @Override
    public boolean readBoolean() {
      return in.readBoolean();
    }

    @Override
    public int readInt() {
      return in.readVarInt(false);
    }

    @Override
    public long readLong() {
      return in.readVarLong(false);
    }

    @Override
    public double readDouble() {
      return in.readDouble();
    }

    @Override
    public String readString() {
      return in.readString();
    }

    @Override
    public byte[] readBytes() {
      int n = in.readVarInt(true);
      return n == 0 ? null : in.readBytes(n - 1);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> V readObject() {
      return (V) kryo.readClassAndObject(in);
    }
  }
}
