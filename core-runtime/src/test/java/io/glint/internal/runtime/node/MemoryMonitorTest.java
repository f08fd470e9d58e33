package io.glint.internal.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryMonitorTest {
  @Test
  void machineUseIsTotalLessAvailable() {
    MemoryMonitor.Usage u =
        MemoryMonitor.machineUsage(
            List.of(
                "MemTotal:       24000000 kB",
                "MemFree:         1000000 kB",
                "MemAvailable:    6000000 kB",
                "Buffers:          100000 kB"));
    assertThat(u.capacity()).isEqualTo(24_000_000L * 1024);
    assertThat(u.used()).isEqualTo(18_000_000L * 1024);
  }

  @Test
  void noFiguresNoUsage() {
    assertThat(MemoryMonitor.machineUsage(List.of("MemTotal: 100 kB"))).isNull();
  }
}
