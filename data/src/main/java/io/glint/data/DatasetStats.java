package io.glint.data;

import io.glint.data.exec.OpStats;
import java.util.List;

/**
 * What a dataset's last run did, per operator ({@link Dataset#stats()}).
 *
 * @param operators each operator's blocks, rows, bytes, tasks and times
 * @param peakHeldBytes the most bytes of blocks the run held in the object store at once
 * @param budgetBytes the memory budget it ran under
 * @param wallSeconds the run's duration
 */
public record DatasetStats(
    List<OpStats> operators, long peakHeldBytes, long budgetBytes, double wallSeconds) {
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (OpStats s : operators) {
      sb.append(s.summary()).append('\n');
    }
    sb.append(
        String.format(
            "Dataset: %.2f s; peak object store use %.1f MiB of a %.1f MiB budget%n",
            wallSeconds, peakHeldBytes / 1048576.0, budgetBytes / 1048576.0));
    return sb.toString();
  }
}
