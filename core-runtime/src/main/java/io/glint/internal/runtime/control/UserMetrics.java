package io.glint.internal.runtime.control;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.MetricSeries;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * User metrics as the cluster's processes last reported them (each report is the process's
 * cumulative state), merged on read: counters and histograms summed over processes, gauges the
 * value of the latest report. A process that ended keeps its last report, so totals do not drop.
 */
final class UserMetrics {
  private final Map<ByteString, List<MetricSeries>> byProcess = new LinkedHashMap<>();

  synchronized void report(ByteString process, List<MetricSeries> series) {
    if (!series.isEmpty()) {
      byProcess.remove(process);
      byProcess.put(process, List.copyOf(series)); // insertion order: latest last
    }
  }

  synchronized List<MetricSeries> merged() {
    Map<String, MetricSeries.Builder> out = new LinkedHashMap<>();
    for (List<MetricSeries> list : byProcess.values()) {
      for (MetricSeries s : list) {
        String key = s.getName() + new TreeMap<>(s.getTagsMap());
        MetricSeries.Builder m = out.get(key);
        if (m == null) {
          out.put(key, s.toBuilder());
          continue;
        }
        switch (s.getKind()) {
          case GAUGE -> m.setValue(s.getValue());
          case COUNTER -> m.setValue(m.getValue() + s.getValue());
          case HISTOGRAM -> {
            if (m.getBucketCountsCount() == s.getBucketCountsCount()) {
              for (int i = 0; i < s.getBucketCountsCount(); i++) {
                m.setBucketCounts(i, m.getBucketCounts(i) + s.getBucketCounts(i));
              }
              m.setSum(m.getSum() + s.getSum()).setCount(m.getCount() + s.getCount());
            }
          }
          default -> {}
        }
      }
    }
    List<MetricSeries> result = new ArrayList<>();
    out.values().forEach(b -> result.add(b.build()));
    return result;
  }
}
