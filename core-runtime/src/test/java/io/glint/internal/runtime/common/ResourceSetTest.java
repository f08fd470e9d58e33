package io.glint.internal.runtime.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceSetTest {
  @Test
  void fractionsAddAndSubtractExactly() {
    ResourceSet total = ResourceSet.of(Map.of("CPU", 1.0));
    ResourceSet tenth = ResourceSet.of("CPU", 0.1);
    ResourceSet left = total;
    for (int i = 0; i < 10; i++) {
      assertThat(tenth.fitsIn(left)).isTrue();
      left = left.minus(tenth);
    }
    assertThat(left.isEmpty()).isTrue();
    assertThat(tenth.fitsIn(left)).isFalse();
  }

  @Test
  void fitsComparesEveryResource() {
    ResourceSet avail = ResourceSet.of(Map.of("CPU", 4.0, "GPU", 1.0));
    assertThat(ResourceSet.of(Map.of("CPU", 4.0, "GPU", 1.0)).fitsIn(avail)).isTrue();
    assertThat(ResourceSet.of(Map.of("CPU", 2.0, "GPU", 2.0)).fitsIn(avail)).isFalse();
    assertThat(ResourceSet.of(Map.of("custom", 0.5)).fitsIn(avail)).isFalse();
    assertThat(ResourceSet.EMPTY.fitsIn(avail)).isTrue();
  }

  @Test
  void rendersLikeRay() {
    assertThat(ResourceSet.of(Map.of("CPU", 4.0, "GPU", 0.5)).toString())
        .isEqualTo("{CPU: 4, GPU: 0.5}");
  }

  @Test
  void protoRoundTrip() {
    ResourceSet r = ResourceSet.of(Map.of("CPU", 2.0, "memory", 1e9, "x", 0.25));
    assertThat(ResourceSet.fromProto(r.toProto())).isEqualTo(r);
  }

  @Test
  void rejectsBadQuantities() {
    assertThatThrownBy(() -> ResourceSet.of("CPU", -1)).hasMessageContaining("negative");
    assertThatThrownBy(() -> ResourceSet.of("CPU", 2.5)).hasMessageContaining("whole number");
  }
}
