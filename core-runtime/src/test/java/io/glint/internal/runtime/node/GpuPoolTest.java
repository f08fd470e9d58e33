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

  @Test
  void aBundlesPoolHandsOutOnlyItsOwnGpus() {
    GpuPool node = new GpuPool(4);
    var reserved = node.allocate(2);
    assertThat(reserved).containsExactly(0, 1);
    GpuPool bundle = new GpuPool(reserved, 2);
    assertThat(bundle.allocate(1)).containsExactly(0);
    assertThat(bundle.allocate(1)).containsExactly(1);
    assertThat(bundle.allocate(0.5)).isNull();
    bundle.release(java.util.List.of(0), 1);
    assertThat(bundle.allocate(0.25)).containsExactly(0);
    // The node's other GPUs were never the bundle's.
    assertThat(node.allocate(2)).containsExactly(2, 3);

    // A bundle of half a GPU shares that half, no more.
    GpuPool half = new GpuPool(java.util.List.of(3), 0.5);
    assertThat(half.allocate(0.25)).containsExactly(3);
    assertThat(half.allocate(0.25)).containsExactly(3);
    assertThat(half.allocate(0.25)).isNull();
    assertThat(half.allocate(1)).isNull();
  }
}
