package io.glint.internal.runtime.serialization;

import com.google.protobuf.ByteString;
import io.glint.api.ActorHandle;
import io.glint.api.ObjectRef;
import io.glint.internal.proto.ObjectReference;

/** How refs and actor handles inside values are written and read: the core worker decides. */
public interface RefResolver {
  /**
   * Called when {@code ref} is written into a value (in a Glint format); the writer reports the
   * refs it wrote with the value, and the runtime tracks them.
   */
  ObjectReference toReference(ObjectRef<?> ref);

  /**
   * Called when {@code ref} is written for another language, which cannot tell when it drops it.
   * Defaults to {@link #toReference}.
   */
  default ObjectReference toForeignReference(ObjectRef<?> ref) {
    return toReference(ref);
  }

  /** Called when a value containing a ref is read in this process. */
  ObjectRef<?> fromReference(ObjectReference ref);

  /** A value is about to be read; refs read until {@link #endRead} belong to it. */
  default void beginRead() {}

  /** The value started by {@link #beginRead} was read (also when reading failed). */
  default void endRead() {}

  ByteString actorIdOf(ActorHandle<?> handle);

  ActorHandle<?> actorFromId(ByteString actorId);
}
