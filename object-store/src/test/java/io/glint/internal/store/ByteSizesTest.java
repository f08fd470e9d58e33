package io.glint.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizesTest {
  @Test
  void parsesRayStyleSizes() {
    assertThat(ByteSizes.parse("2147483648")).isEqualTo(2147483648L);
    assertThat(ByteSizes.parse("2g")).isEqualTo(2L << 30);
    assertThat(ByteSizes.parse("2G")).isEqualTo(2L << 30);
    assertThat(ByteSizes.parse("1.5GiB")).isEqualTo(3L << 29);
    assertThat(ByteSizes.parse("512m")).isEqualTo(512L << 20);
    assertThat(ByteSizes.parse("512MB")).isEqualTo(512L << 20);
    assertThat(ByteSizes.parse(" 100t ")).isEqualTo(100L << 40);
    assertThat(ByteSizes.parse("0.5k")).isEqualTo(512);
    assertThat(ByteSizes.parse("0")).isZero();
  }

  @Test
  void refusesWhatIsNotASize() {
    for (String bad : new String[] {"banana", "-5g", "", "5x", "1.2.3g", "g", "100000000t"}) {
      assertThatThrownBy(() -> ByteSizes.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void formatsForPeople() {
    assertThat(ByteSizes.format(512)).isEqualTo("512 B");
    assertThat(ByteSizes.format(1536)).isEqualTo("1.50 KiB");
    assertThat(ByteSizes.format(7L << 30)).isEqualTo("7.00 GiB");
    assertThat(ByteSizes.format(Long.MAX_VALUE)).isEqualTo("8.00 EiB");
  }
}
