package io.glint.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RangeAllocatorTest {
  @Test
  void allocatesTheLowestFittingRangeAndCoalescesOnRelease() {
    RangeAllocator a = new RangeAllocator(1024);
    long x = a.allocate(256);
    long y = a.allocate(128);
    long z = a.allocate(256);
    assertThat(x).isZero();
    assertThat(y).isEqualTo(256);
    assertThat(z).isEqualTo(384);
    a.release(y, 128); // holes: 128 at 256, 384 at 640
    assertThat(a.allocate(192)).isEqualTo(640); // the first hole that fits
    assertThat(a.allocate(64)).isEqualTo(256); // the lowest one
    assertThat(a.highWater()).isEqualTo(832);
    a.release(256, 64);
    a.release(640, 192);
    a.release(x, 256);
    a.release(z, 256);
    assertThat(a.freeBytes()).isEqualTo(1024);
    assertThat(a.largestFree()).isEqualTo(1024); // one block again
    assertThat(a.highWater()).isEqualTo(832);
  }

  @Test
  void refusesWhatNoHoleCanHoldAndDoubleFrees() {
    RangeAllocator a = new RangeAllocator(512);
    long x = a.allocate(192);
    a.allocate(128);
    a.release(x, 192);
    assertThat(a.freeBytes()).isEqualTo(384);
    assertThat(a.allocate(256)).isEqualTo(-1); // 384 free, but as 192 + 192
    assertThatThrownBy(() -> a.release(x, 192)).hasMessageContaining("already free");
    assertThatThrownBy(() -> a.allocate(100)).hasMessageContaining("multiple of 64");
  }
}
