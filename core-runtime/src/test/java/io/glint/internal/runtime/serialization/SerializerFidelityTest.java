package io.glint.internal.runtime.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import io.glint.api.exception.ObjectSerializationException;
import io.glint.internal.proto.SerializedValue;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/**
 * The serializer's fallbacks, swept for paths that could bring a value back different: each such
 * type either round-trips faithfully (its own serialization contract honoured) or is refused at
 * once, naming the class and what would be lost.
 */
class SerializerFidelityTest {
  private final FakeRefs refs = new FakeRefs();
  private final Serializer s = new Serializer(refs, () -> getClass().getClassLoader());

  private Object roundTrip(Object o) {
    return s.deserialize(s.serialize(o));
  }

  /** A collection with state of its own: rebuilding it through add() would drop the tag. */
  static final class TaggedBag extends java.util.AbstractCollection<String> {
    final List<String> items = new ArrayList<>();
    String tag;

    TaggedBag() {}

    @Override
    public boolean add(String s) {
      return items.add(s);
    }

    @Override
    public java.util.Iterator<String> iterator() {
      return items.iterator();
    }

    @Override
    public int size() {
      return items.size();
    }
  }

  /** A Serializable list (ArrayList is) with state of its own: Java serialization keeps it. */
  static final class SerializableTaggedList extends ArrayList<String> implements Serializable {
    String tag;

    SerializableTaggedList() {}
  }

  /** Transient state only its constructor sets, and no no-argument constructor. */
  static final class Guarded {
    final String name;
    final transient ReentrantLock lock;

    Guarded(String name) {
      this.name = name;
      this.lock = new ReentrantLock();
    }
  }

  /** Transient state rebuilt by its own readObject. */
  static final class Cached implements Serializable {
    final String text;
    transient int length;

    Cached(String text) {
      this.text = text;
      this.length = text.length();
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.defaultWriteObject();
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      length = text.length();
    }
  }

  /** Not Serializable: inside a Guava list it travels through Kryo. */
  record Point(int x, int y) {}

  @Test
  void aCollectionWithItsOwnStateIsRefusedNamingTheField() {
    TaggedBag l = new TaggedBag();
    l.add("a");
    l.tag = "important";
    assertThatThrownBy(() -> s.serialize(l))
        .isInstanceOf(ObjectSerializationException.class)
        .hasMessageContaining(TaggedBag.class.getName())
        .hasMessageContaining("tag")
        .hasMessageContaining("ValueSerializer");
  }

  /** Only storage of its own (an array, a size): rebuilt element by element, equal. */
  static final class IntBag extends java.util.AbstractList<Integer> {
    int[] data = new int[4];
    int size;

    IntBag() {}

    @Override
    public boolean add(Integer v) {
      if (size == data.length) {
        data = java.util.Arrays.copyOf(data, size * 2);
      }
      data[size++] = v;
      return true;
    }

    @Override
    public Integer get(int i) {
      return data[i];
    }

    @Override
    public int size() {
      return size;
    }
  }

  @Test
  void aCollectionWhoseFieldsAreItsStorageIsRebuiltEqual() {
    IntBag b = new IntBag();
    for (int i = 0; i < 10; i++) {
      b.add(i);
    }
    assertThat(roundTrip(b)).isEqualTo(b).isInstanceOf(IntBag.class);
  }

  @Test
  void aSerializableCollectionWithItsOwnStateKeepsIt() {
    SerializableTaggedList l = new SerializableTaggedList();
    l.add("a");
    l.tag = "important";
    SerializableTaggedList back = (SerializableTaggedList) roundTrip(l);
    assertThat(back).containsExactly("a");
    assertThat(back.tag).isEqualTo("important");
  }

  @Test
  void transientStateWithoutAConstructorIsRefused() {
    assertThatThrownBy(() -> s.serialize(new Guarded("g")))
        .isInstanceOf(ObjectSerializationException.class)
        .hasMessageContaining(Guarded.class.getName())
        .hasMessageContaining("lock");
  }

  @Test
  void aClassesOwnSerializationIsHonoured() {
    Cached back = (Cached) roundTrip(new Cached("hello"));
    assertThat(back.text).isEqualTo("hello");
    assertThat(back.length).isEqualTo(5);
  }

  @Test
  void refsAndNonSerializableValuesInsideJavaSerializedValuesStayWhatTheyAre() {
    var ref = new FakeRefs.FakeRef("r1");
    ImmutableList<Object> v = ImmutableList.of(new Point(1, 2), ref, "s");
    SerializedValue sv = s.serialize(v);
    assertThat(sv.getNestedRefsCount()).isEqualTo(1);
    assertThat(s.deserialize(sv)).isEqualTo(List.of(new Point(1, 2), ref, "s"));
  }

  @Test
  void aFieldThatCannotCrossIsNamedWithItsPath() {
    record Inner(Thread t) {}
    record Outer(String n, Inner inner) {}
    assertThatThrownBy(() -> s.serialize(new Outer("o", new Inner(new Thread(() -> {})))))
        .isInstanceOf(ObjectSerializationException.class)
        .hasMessageContaining("inner.t")
        .hasMessageContaining("java.lang.Thread");
  }
}
