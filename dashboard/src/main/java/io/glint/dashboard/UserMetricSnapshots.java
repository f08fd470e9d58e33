package io.glint.dashboard;

import io.glint.internal.proto.MetricSeries;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * User metrics (merged over the cluster's processes) as Prometheus snapshots, {@code glint_<name>}.
 */
final class UserMetricSnapshots {
  private UserMetricSnapshots() {}

  static List<MetricSnapshot> of(List<MetricSeries> series) {
    Map<String, List<MetricSeries>> byName = new LinkedHashMap<>();
    for (MetricSeries s : series) {
      byName.computeIfAbsent(s.getName(), k -> new ArrayList<>()).add(s);
    }
    List<MetricSnapshot> out = new ArrayList<>();
    byName.forEach(
        (name, list) -> {
          MetricSeries first = list.get(0);
          String metric = "glint_" + name.replaceAll("_total$", "");
          String help = first.getDescription();
          switch (first.getKind()) {
            case COUNTER -> {
              var b = CounterSnapshot.builder().name(metric).help(help);
              for (MetricSeries s : list) {
                b.dataPoint(
                    CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(labels(s))
                        .value(s.getValue())
                        .build());
              }
              out.add(b.build());
            }
            case GAUGE -> {
              var b = GaugeSnapshot.builder().name(metric).help(help);
              for (MetricSeries s : list) {
                b.dataPoint(
                    GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(labels(s))
                        .value(s.getValue())
                        .build());
              }
              out.add(b.build());
            }
            case HISTOGRAM -> {
              var b = HistogramSnapshot.builder().name(metric).help(help);
              for (MetricSeries s : list) {
                List<Double> bounds = new ArrayList<>(s.getBoundariesList());
                bounds.add(Double.POSITIVE_INFINITY);
                List<Number> counts = new ArrayList<>(s.getBucketCountsList());
                if (counts.size() != bounds.size()) {
                  continue; // a malformed report
                }
                b.dataPoint(
                    HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .labels(labels(s))
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                        .sum(s.getSum())
                        .build());
              }
              out.add(b.build());
            }
            default -> {}
          }
        });
    return out;
  }

  private static Labels labels(MetricSeries s) {
    Labels.Builder b = Labels.builder();
    s.getTagsMap().forEach(b::label);
    return b.build();
  }
}
