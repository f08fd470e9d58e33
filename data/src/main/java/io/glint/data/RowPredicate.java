package io.glint.data;

import java.io.Serializable;
import java.util.Map;

/** Whether to keep a row ({@link Dataset#filter}). */
@FunctionalInterface
public interface RowPredicate extends Serializable {
  boolean test(Map<String, Object> row) throws Exception;
}
