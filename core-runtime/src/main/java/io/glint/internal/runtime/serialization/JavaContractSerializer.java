package io.glint.internal.runtime.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.io.Serializable;

/**
 * For classes that define how they are serialized ({@code writeReplace}, {@code readResolve},
 * {@code writeObject}, {@code readObject}: Guava's immutable collections and multimaps, for
 * instance): Java serialization, which honours those hooks, where Kryo's field-by-field copy would
 * skip their transient state or rebuild them wrongly.
 *
 * <p>What Java serialization cannot carry is handed back to Glint inside the stream: ObjectRefs and
 * actor handles go through the {@link RefResolver} (so refs stay refs and are counted), and values
 * that are not {@link Serializable} (records, POJOs) through Kryo.
 */
final class JavaContractSerializer extends com.esotericsoftware.kryo.Serializer<Object> {
  /** What reads and writes the values Java serialization cannot: Glint's own serializer. */
  interface Embedder {
    /** Replaces a value Java serialization cannot write; null when it can. */
    Object replace(Object value);

    /** The value a replacement stands for. */
    Object resolve(Object replacement);
  }

  private final Embedder embedder;

  JavaContractSerializer(Embedder embedder) {
    this.embedder = embedder;
  }

  @Override
  public void write(Kryo kryo, Output output, Object object) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new Out(bytes, embedder)) {
      out.writeObject(object);
    } catch (IOException e) {
      throw new KryoException(
          "Java serialization of " + object.getClass().getName() + " failed: " + e, e);
    }
    output.writeVarInt(bytes.size(), true);
    output.writeBytes(bytes.toByteArray());
  }

  @Override
  public Object read(Kryo kryo, Input input, Class<?> type) {
    int n = input.readVarInt(true);
    byte[] data = input.readBytes(n);
    try (ObjectInputStream in = new In(new ByteArrayInputStream(data), kryo, embedder)) {
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new KryoException("Java deserialization of " + type.getName() + " failed: " + e, e);
    }
  }

  /** Whether a class (or a non-JDK superclass) defines one of Java serialization's hooks. */
  static boolean definesSerializationHooks(Class<?> type) {
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      if (c.getModule().isNamed()) {
        continue; // JDK classes are handled by Kryo's own serializers or refused
      }
      for (var m : c.getDeclaredMethods()) {
        String n = m.getName();
        int params = m.getParameterCount();
        if (((n.equals("writeReplace") || n.equals("readResolve")) && params == 0)
            || ((n.equals("writeObject") || n.equals("readObject")) && params == 1)) {
          return true;
        }
      }
    }
    return false;
  }

  private static final class Out extends ObjectOutputStream {
    private final Embedder embedder;

    Out(OutputStream out, Embedder embedder) throws IOException {
      super(out);
      this.embedder = embedder;
      enableReplaceObject(true);
    }

    @Override
    protected Object replaceObject(Object obj) {
      Object r = embedder.replace(obj);
      return r != null ? r : obj;
    }
  }

  private static final class In extends ObjectInputStream {
    private final Kryo kryo;
    private final Embedder embedder;

    In(InputStream in, Kryo kryo, Embedder embedder) throws IOException {
      super(in);
      this.kryo = kryo;
      this.embedder = embedder;
      enableResolveObject(true);
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc)
        throws IOException, ClassNotFoundException {
      try {
        return Class.forName(desc.getName(), false, kryo.getClassLoader());
      } catch (ClassNotFoundException e) {
        return super.resolveClass(desc);
      }
    }

    @Override
    protected Object resolveObject(Object obj) {
      return embedder.resolve(obj);
    }
  }
}
