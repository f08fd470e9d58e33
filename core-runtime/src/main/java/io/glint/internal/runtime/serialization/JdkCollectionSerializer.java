package io.glint.internal.runtime.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JDK collections Kryo cannot rebuild field by field (immutable {@code List.of}/{@code Map.of},
 * {@code Collections.unmodifiable*}, {@code Arrays.asList}, views): written element by element
 * through Kryo (so refs inside stay refs) and read back as unmodifiable lists, sets or maps that
 * keep their order and allow nulls.
 */
final class JdkCollectionSerializer extends com.esotericsoftware.kryo.Serializer<Object> {
  private static final byte LIST = 0;
  private static final byte SET = 1;
  private static final byte MAP = 2;

  JdkCollectionSerializer() {
    setAcceptsNull(false);
  }

  static boolean handles(Class<?> type) {
    return List.class.isAssignableFrom(type)
        || Set.class.isAssignableFrom(type)
        || Map.class.isAssignableFrom(type);
  }

  @Override
  public void write(Kryo kryo, Output out, Object value) {
    if (value instanceof Map<?, ?> m) {
      out.writeByte(MAP);
      out.writeVarInt(m.size(), true);
      for (Map.Entry<?, ?> e : m.entrySet()) {
        kryo.writeClassAndObject(out, e.getKey());
        kryo.writeClassAndObject(out, e.getValue());
      }
      return;
    }
    Collection<?> c = (Collection<?>) value;
    out.writeByte(c instanceof Set ? SET : LIST);
    out.writeVarInt(c.size(), true);
    for (Object o : c) {
      kryo.writeClassAndObject(out, o);
    }
  }

  @Override
  public Object read(Kryo kryo, Input in, Class<?> type) {
    byte kind = in.readByte();
    int n = in.readVarInt(true);
    switch (kind) {
      case MAP -> {
        Map<Object, Object> m = new LinkedHashMap<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
          Object k = kryo.readClassAndObject(in);
          m.put(k, kryo.readClassAndObject(in));
        }
        return Collections.unmodifiableMap(m);
      }
      case SET -> {
        Set<Object> s = new LinkedHashSet<>(Math.max(4, n * 2));
        for (int i = 0; i < n; i++) {
          s.add(kryo.readClassAndObject(in));
        }
        return Collections.unmodifiableSet(s);
      }
      default -> {
        List<Object> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          l.add(kryo.readClassAndObject(in));
        }
        return Collections.unmodifiableList(l);
      }
    }
  }
}
