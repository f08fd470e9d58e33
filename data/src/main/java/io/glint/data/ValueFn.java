package io.glint.data;

import java.io.Serializable;
import java.util.Map;

/** A row to one value: the new column of {@link Dataset#addColumn}. */
@FunctionalInterface
public interface ValueFn extends Serializable {
  Object apply(Map<String, Object> row) throws Exception;
}
