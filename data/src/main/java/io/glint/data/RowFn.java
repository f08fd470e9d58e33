package io.glint.data;

import java.io.Serializable;
import java.util.Map;

/** A row to a row ({@link Dataset#map}); runs in tasks, so it is serializable. */
@FunctionalInterface
public interface RowFn extends Serializable {
  Map<String, Object> apply(Map<String, Object> row) throws Exception;
}
