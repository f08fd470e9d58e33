package io.glint.internal.runtime.serialization;

import com.google.protobuf.ByteString;
import io.glint.api.ActorHandle;
import io.glint.api.ObjectRef;
import io.glint.internal.proto.ObjectReference;

/** How refs and actor handles inside values are written and read: the core worker decides. */
public interface RefResolver {
  /** Called when {@code ref} is written into a value that leaves this process. */
  ObjectReference toReference(ObjectRef<?> ref);

  /** Called when a value containing a ref is read in this process. */
  ObjectRef<?> fromReference(ObjectReference ref);

  ByteString actorIdOf(ActorHandle<?> handle);

  ActorHandle<?> actorFromId(ByteString actorId);
}
