package io.glint.tune;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trial's state at a report (weights, optimizer state, the epoch), as JSON-friendly values:
 * written to the trial's directory, handed back by {@link Tune#getCheckpoint()} when the trial
 * resumes (after a failure, a restore, or a PBT exploit).
 */
public record Checkpoint(Map<String, Object> data) implements Serializable {
  public Checkpoint {
    // A plain copy (not a read-only view): it travels between processes with the trial's reports.
    data = new LinkedHashMap<>(data);
  }

  public static Checkpoint of(Map<String, Object> data) {
    return new Checkpoint(data);
  }
}
