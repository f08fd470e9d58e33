package io.glint.data;

import java.io.Serializable;
import java.util.Map;

/** A row to zero or more rows ({@link Dataset#flatMap}). */
@FunctionalInterface
public interface FlatMapFn extends Serializable {
  Iterable<Map<String, Object>> apply(Map<String, Object> row) throws Exception;
}
