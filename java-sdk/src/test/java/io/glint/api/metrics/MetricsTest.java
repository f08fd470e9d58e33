package io.glint.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.internal.MetricRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private static MetricRegistry.Series find(String name, Map<String, String> tags) {
    return MetricRegistry.get().snapshot().stream()
        .filter(s -> s.name().equals(name) && s.tags().equals(tags))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void countersAddUpPerTagValues() {
    Counter c = new Counter("test_requests", "Requests", List.of("route"));
    c.inc(1, Map.of("route", "/a"));
    c.inc(2.5, Map.of("route", "/a"));
    c.inc(1, Map.of("route", "/b"));
    assertThat(find("test_requests", Map.of("route", "/a")).value()).isEqualTo(3.5);
    assertThat(find("test_requests", Map.of("route", "/b")).value()).isEqualTo(1);
    assertThat(find("test_requests", Map.of("route", "/a")).kind())
        .isEqualTo(MetricRegistry.Kind.COUNTER);
  }

  @Test
  void defaultTagsFillInAndMissingOnesAreNamed() {
    Gauge g = new Gauge("test_queue", "Queue", List.of("queue", "zone"));
    g.setDefaultTags(Map.of("zone", "eu"));
    g.set(7, Map.of("queue", "q1"));
    assertThat(find("test_queue", Map.of("queue", "q1", "zone", "eu")).value()).isEqualTo(7);
    assertThatThrownBy(() -> g.set(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a value for tag 'queue'");
    assertThatThrownBy(() -> g.set(1, Map.of("queue", "q", "color", "red")))
        .hasMessageContaining("has no tag key 'color'");
  }

  @Test
  void histogramsCountIntoBuckets() {
    Histogram h = new Histogram("test_latency", "Latency", List.of(1.0, 10.0), List.of());
    h.observe(0.5);
    h.observe(5);
    h.observe(50);
    h.observe(1.0);
    MetricRegistry.Series s = find("test_latency", Map.of());
    assertThat(s.bucketCounts()).containsExactly(2, 1, 1);
    assertThat(s.count()).isEqualTo(4);
    assertThat(s.sum()).isEqualTo(56.5);
  }

  @Test
  void badDefinitionsAndValuesAreRefused() {
    assertThatThrownBy(() -> new Counter("9lives", "")).hasMessageContaining("metric name");
    assertThatThrownBy(() -> new Counter("ok", "", List.of("a", "a")))
        .hasMessageContaining("repeats a tag key");
    assertThatThrownBy(() -> new Counter("c_neg", "").inc(-1)).hasMessageContaining("only grows");
    assertThatThrownBy(() -> new Histogram("h_bad", "", List.of(5.0, 1.0), List.of()))
        .hasMessageContaining("increasing");
  }
}
