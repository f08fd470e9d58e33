package io.glint.data.exec;

import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;

/** The functions a dataset's tasks run (public: workers call them by name). */
public final class DataTasks {
  private DataTasks() {}

  /** Reads a block and applies the fused steps that follow the read. */
  public static VectorSchemaRoot read(ReadTask task, List<BlockTransform> chain, int index)
      throws Exception {
    try (VectorSchemaRoot in = task.read()) {
      return owned(in, Transforms.applyAll(in, chain, index));
    }
  }

  /** Applies fused steps to a stored block. */
  public static VectorSchemaRoot transform(
      VectorSchemaRoot in, List<BlockTransform> chain, int index) throws Exception {
    try (in) {
      return owned(in, Transforms.applyAll(in, chain, index));
    }
  }

  /** The result, as a root that outlives {@code in} (which the caller closes). */
  static VectorSchemaRoot owned(VectorSchemaRoot in, VectorSchemaRoot out) {
    if (out != in) {
      return out;
    }
    // The step kept its input: return a view of the same buffers that survives in's close.
    return in.slice(0, in.getRowCount());
  }
}
