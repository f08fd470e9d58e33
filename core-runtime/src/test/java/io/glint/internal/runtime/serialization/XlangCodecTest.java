package io.glint.internal.runtime.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.internal.proto.ObjectReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class XlangCodecTest {
  private final FakeRefs refs = new FakeRefs();
  private final List<String> escaped = refs.escaped;

  private final XlangCodec codec = new XlangCodec(refs);

  @Test
  void refsInsideAValueAreReportedToTheEncoderNotEscaped() {
    Object value =
        Map.of("a", List.of(new FakeRefs.FakeRef("r1"), 2), "b", new FakeRefs.FakeRef("r2"));
    List<ObjectReference> nested = new ArrayList<>();
    byte[] bytes = codec.encode(value, nested);
    assertThat(nested)
        .extracting(r -> r.getObjectId().toStringUtf8())
        .containsExactlyInAnyOrder("r1", "r2");
    assertThat(escaped).isEmpty();
    assertThat(XlangCodec.refsIn(bytes))
        .extracting(r -> r.getObjectId().toStringUtf8())
        .containsExactlyInAnyOrder("r1", "r2");
    @SuppressWarnings("unchecked")
    Map<String, Object> back = (Map<String, Object>) codec.decode(ByteBuffer.wrap(bytes));
    assertThat(back.get("b")).isEqualTo(new FakeRefs.FakeRef("r2"));
  }

  @Test
  void withoutAnOutListRefsEscapeAndAWriterCanReplaceThem() {
    codec.encode(List.of(new FakeRefs.FakeRef("r3")));
    assertThat(escaped).containsExactly("r3");
    XlangCodec handles = new XlangCodec(refs, r -> new XlangCodec.Ext((byte) 4, r.id().getBytes()));
    byte[] bytes = handles.encode(List.of(new FakeRefs.FakeRef("r4"), "x"));
    assertThat(XlangCodec.refsIn(bytes)).isEmpty(); // written as extension 4, not as refs
    assertThat(escaped).containsExactly("r3");
    assertThat(XlangCodec.refsIn(codec.encode(List.of(1, "two", Map.of(3, 4.0))))).isEmpty();
  }
}
