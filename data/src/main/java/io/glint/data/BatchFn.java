package io.glint.data;

import java.io.Serializable;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A batch of rows to a batch ({@link Dataset#mapBatches}). The input is valid only during the call
 * (it may be a view of the object store: do not close or keep it); the returned batch is handed to
 * the engine, which closes it. Returning the input unchanged is allowed.
 */
@FunctionalInterface
public interface BatchFn extends Serializable {
  VectorSchemaRoot apply(VectorSchemaRoot batch) throws Exception;
}
