package io.glint.data;

import io.glint.data.exec.AllToAll;
import io.glint.data.exec.Op;
import java.util.List;

/**
 * A dataset grouped by one column ({@link Dataset#groupBy}); each aggregation returns a dataset
 * with one row per key, sorted by key, as Ray's does.
 *
 * <pre>{@code
 * Dataset perUser = ds.groupBy("user").aggregate(AggregateFn.count(), AggregateFn.mean("amount"));
 * }</pre>
 */
public final class GroupedData {
  private final Dataset source;
  private final String key;

  GroupedData(Dataset source, String key) {
    this.source = source;
    this.key = key;
  }

  public Dataset aggregate(AggregateFn... aggs) {
    if (aggs.length == 0) {
      throw new IllegalArgumentException("aggregate needs at least one aggregation");
    }
    return source.then(new Op.Shuffle(source.plan, new AllToAll.GroupBy(key, List.of(aggs))));
  }

  /** Rows per key, in column {@code count()}. */
  public Dataset count() {
    return aggregate(AggregateFn.count());
  }

  public Dataset sum(String column) {
    return aggregate(AggregateFn.sum(column));
  }

  public Dataset mean(String column) {
    return aggregate(AggregateFn.mean(column));
  }

  public Dataset min(String column) {
    return aggregate(AggregateFn.min(column));
  }

  public Dataset max(String column) {
    return aggregate(AggregateFn.max(column));
  }
}
