package io.glint.internal.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GpuPoolTest {
  @Test
  void wholeGpusAreExclusiveAndFractionsShare() {
    GpuPool pool = new GpuPool(2);
    var half1 = pool.allocate(0.5);
    var half2 = pool.allocate(0.5);
    assertThat(half1).isEqualTo(half2).containsExactly(0);
    var whole = pool.allocate(1);
    assertThat(whole).containsExactly(1);
    assertThat(pool.allocate(0.5)).isNull();
    pool.release(whole, 1);
    assertThat(pool.allocate(2)).isNull(); // GPU 0 still half used twice
    pool.release(half1, 0.5);
    pool.release(half2, 0.5);
    assertThat(pool.allocate(2)).containsExactly(0, 1);
    assertThat(pool.allocate(0)).isEmpty();
  }
}
