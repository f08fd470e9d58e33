package io.glint.internal.runtime.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;

class ArrowCodecTest {
  @Test
  void aBatchReadFromNativeMemoryPointsIntoItAndReleasesCleanly() {
    try (ArrowCodec codec = new ArrowCodec();
        RootAllocator alloc = new RootAllocator();
        Float8Vector x = new Float8Vector("x", alloc);
        Arena arena = Arena.ofConfined()) {
      x.allocateNew(1000);
      for (int i = 0; i < 1000; i++) {
        x.set(i, i * 0.5);
      }
      x.setValueCount(1000);
      VectorSchemaRoot root = VectorSchemaRoot.of(x);
      MemorySegment seg = arena.allocate(codec.encodedSize(root), 64);
      codec.write(root, seg);

      VectorSchemaRoot read = codec.read(seg, null);
      long addr = read.getVector("x").getDataBuffer().memoryAddress();
      assertThat(addr).isBetween(seg.address(), seg.address() + seg.byteSize());
      assertThat(((Float8Vector) read.getVector("x")).get(999)).isEqualTo(499.5);
      read.close(); // no double release
      assertThat(codec.allocator().getAllocatedMemory()).isZero();
    }
  }

  @Test
  void aHeapCopyIsReadToo() {
    try (ArrowCodec codec = new ArrowCodec();
        RootAllocator alloc = new RootAllocator();
        IntVector x = new IntVector("n", alloc)) {
      x.allocateNew(3);
      x.set(0, 7);
      x.set(1, 8);
      x.set(2, 9);
      x.setValueCount(3);
      byte[] bytes = codec.encode(VectorSchemaRoot.of(x));
      try (VectorSchemaRoot read = codec.read(MemorySegment.ofArray(bytes), null)) {
        assertThat(((IntVector) read.getVector("n")).get(2)).isEqualTo(9);
      }
    }
  }

  @Test
  void numericBufferValuesBecomeVectorsOverTheirMemory() {
    try (ArrowCodec codec = new ArrowCodec();
        Arena arena = Arena.ofConfined()) {
      double[] data = {1.5, 2.5, 3.5};
      MemorySegment seg = arena.allocate(BufferCodec.encodedSize(data), 16);
      BufferCodec.write(data, seg);
      BufferCodec.Elements el = BufferCodec.elements(seg);
      assertThat(el.type()).isEqualTo("double");
      assertThat(el.count()).isEqualTo(3);
      try (var v = codec.vectorOver(el.type(), el.count(), el.data(), seg)) {
        assertThat(v.getDataBuffer().memoryAddress())
            .isEqualTo(seg.address() + BufferCodec.HEADER_BYTES);
        DoubleBuffer view = (DoubleBuffer) ArrowCodec.bufferView(v);
        assertThat(view.isReadOnly()).isTrue();
        assertThat(view.get(2)).isEqualTo(3.5);
      }
      assertThat(BufferCodec.isNumeric(new int[0])).isTrue();
      assertThat(BufferCodec.isNumeric(new byte[0])).isFalse();
      assertThatThrownBy(() -> codec.vectorOver("char", 1, el.data(), null))
          .hasMessageContaining("not a numeric element type: char");
    }
  }

  @Test
  void numericBuffersConvertToArraysAndCrossAsListsWithoutPyarrow() {
    IntBuffer ints = IntBuffer.wrap(new int[] {4, 5, 6});
    assertThat(XlangCodec.convert(ints, int[].class)).containsExactly(4, 5, 6);
    XlangCodec xlang = new XlangCodec(null);
    assertThat(xlang.decode(xlang.encode(DoubleBuffer.wrap(new double[] {1, 2}))))
        .isEqualTo(java.util.List.of(1.0, 2.0));
  }
}
