package io.glint.data.exec;

import io.glint.data.BatchFn;
import io.glint.data.BatchFnFactory;
import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;

/** One actor of a {@code mapBatches} pool: makes its function once, then maps blocks with it. */
public final class BatchActor {
  private final BatchFn fn;
  private final int batchSize;
  private final List<BlockTransform> after;

  public BatchActor(BatchFnFactory factory, Integer batchSize, List<BlockTransform> after)
      throws Exception {
    this.fn = factory.create();
    this.batchSize = batchSize;
    this.after = after;
  }

  public VectorSchemaRoot apply(VectorSchemaRoot in, Integer index) throws Exception {
    try (in) {
      VectorSchemaRoot mapped = DataTasks.owned(in, Transforms.mapBatches(fn, in, batchSize));
      try {
        return DataTasks.owned(mapped, Transforms.applyAll(mapped, after, index));
      } finally {
        mapped.close();
      }
    }
  }
}
