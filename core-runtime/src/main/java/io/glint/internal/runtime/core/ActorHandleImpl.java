package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.api.ActorHandle;
import io.glint.internal.runtime.common.Ids;

/** The runtime's {@link ActorHandle}: the actor's id; its address is looked up when first used. */
final class ActorHandleImpl<A> implements ActorHandle<A> {
  final ByteString actorId;
  final String className;

  ActorHandleImpl(ByteString actorId, String className) {
    this.actorId = actorId;
    this.className = className;
  }

  @Override
  public String id() {
    return Ids.hex(actorId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ActorHandleImpl<?> h && h.actorId.equals(actorId);
  }

  @Override
  public int hashCode() {
    return actorId.hashCode();
  }

  @Override
  public String toString() {
    String simple = className.substring(className.lastIndexOf('.') + 1);
    return "ActorHandle(" + simple + ", " + id() + ")";
  }
}
