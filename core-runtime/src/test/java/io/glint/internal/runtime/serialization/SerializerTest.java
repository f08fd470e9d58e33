package io.glint.internal.runtime.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.ObjectRef;
import io.glint.api.exception.ObjectSerializationException;
import io.glint.internal.proto.SerializedValue;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SerializerTest {
  record Point(int x, int y) {}

  record Holder(String name, List<ObjectRef<Integer>> refs) {}

  static final class Pojo {
    final String a;
    Pojo next;

    Pojo(String a) {
      this.a = a;
    }
  }

  private final RefResolver refs = new FakeRefs();
  private final Serializer s = new Serializer(refs, () -> getClass().getClassLoader());

  private Object roundTrip(Object o) {
    return s.deserialize(s.serialize(o));
  }

  @Test
  void commonValuesRoundTrip() {
    assertThat(roundTrip(null)).isNull();
    assertThat(roundTrip(42)).isEqualTo(42);
    assertThat(roundTrip("héllo")).isEqualTo("héllo");
    assertThat(roundTrip(new Point(1, 2))).isEqualTo(new Point(1, 2));
    assertThat((double[]) roundTrip(new double[] {1.5, 2.5})).containsExactly(1.5, 2.5);
    assertThat(roundTrip(List.of(1, 2, 3))).isEqualTo(List.of(1, 2, 3));
    assertThat(roundTrip(Map.of("a", 1))).isEqualTo(Map.of("a", 1));
    assertThat(roundTrip(Set.of("x"))).isEqualTo(Set.of("x"));
    assertThat(roundTrip(new ArrayList<>(List.of(1)))).isEqualTo(List.of(1));
    assertThat(roundTrip(new HashMap<>(Map.of(1, "b")))).isEqualTo(Map.of(1, "b"));
    assertThat(roundTrip(new TreeMap<>(Map.of("z", 1, "a", 2)))).isEqualTo(Map.of("z", 1, "a", 2));
    assertThat(roundTrip(Collections.unmodifiableList(new ArrayList<>(List.of(4, 5)))))
        .isEqualTo(List.of(4, 5));
    assertThat(roundTrip(Arrays.asList("p", "q"))).isEqualTo(List.of("p", "q"));
    assertThat(roundTrip(Optional.of("o"))).isEqualTo(Optional.of("o"));
    UUID u = UUID.randomUUID();
    assertThat(roundTrip(u)).isEqualTo(u);
    Instant now = Instant.now();
    assertThat(roundTrip(now)).isEqualTo(now);
    assertThat(roundTrip(Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void objectsWithoutNoArgConstructorsAndCyclesRoundTrip() {
    Pojo a = new Pojo("a");
    Pojo b = new Pojo("b");
    a.next = b;
    b.next = a;
    Pojo back = (Pojo) roundTrip(a);
    assertThat(back.a).isEqualTo("a");
    assertThat(back.next.next).isSameAs(back);
  }

  @Test
  void nestedRefsAreReportedAndStayRefs() {
    Holder h = new Holder("h", List.of(new FakeRefs.FakeRef("r1"), new FakeRefs.FakeRef("r2")));
    SerializedValue v = s.serialize(h);
    assertThat(v.getNestedRefsList())
        .extracting(r -> r.getObjectId().toStringUtf8())
        .containsExactly("r1", "r2");
    Holder back = (Holder) s.deserialize(v);
    assertThat(back.refs()).extracting(ObjectRef::id).containsExactly("r1", "r2");
  }

  @Test
  void processLocalTypesAreRefusedByName() {
    assertThatThrownBy(() -> s.serialize(new Thread(() -> {})))
        .isInstanceOfSatisfying(
            ObjectSerializationException.class,
            e -> assertThat(e.valueType()).isEqualTo("java.lang.Thread"));
    assertThatThrownBy(() -> s.serialize(List.of(new Socket())))
        .isInstanceOf(ObjectSerializationException.class)
        .hasMessageContaining("java.net.Socket");
    assertThatThrownBy(() -> s.serialize(InputStream.nullInputStream()))
        .isInstanceOf(ObjectSerializationException.class)
        .hasMessageContaining("InputStream");
    Supplier<String> lambda = () -> "not serializable";
    assertThatThrownBy(() -> s.serialize(lambda))
        .isInstanceOf(ObjectSerializationException.class)
        .hasMessageContaining("lambda");
  }

  @Test
  void otherFormatsAreRejectedClearly() {
    assertThatThrownBy(
            () ->
                s.deserialize(
                    io.glint.internal.proto.ValueFormat.VALUE_FORMAT_PYTHON,
                    java.nio.ByteBuffer.allocate(1)))
        .hasMessageContaining("VALUE_FORMAT_PYTHON");
  }
}
