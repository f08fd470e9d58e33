package io.glint.data.exec;

import java.io.Serializable;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * One per-block step of a plan, run inside a task; consecutive ones are fused into one task. The
 * input is not closed here; the output is a new block, or the input itself.
 */
public interface BlockTransform extends Serializable {
  VectorSchemaRoot apply(VectorSchemaRoot in, int blockIndex) throws Exception;

  /** The step's name in plans and progress ("Map", "Filter", "MapBatches(fn)", ...). */
  String name();
}
