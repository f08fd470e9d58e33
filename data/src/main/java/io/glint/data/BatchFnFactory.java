package io.glint.data;

import java.io.Serializable;

/**
 * Makes the {@link BatchFn} of one actor of a pool ({@link Dataset#mapBatches(BatchFnFactory,
 * ActorPoolStrategy, int)}): called once per actor, so an expensive set-up (loading a model) runs
 * once and serves every batch that actor gets. {@code MyModel::new} is a factory.
 */
@FunctionalInterface
public interface BatchFnFactory extends Serializable {
  BatchFn create() throws Exception;
}
