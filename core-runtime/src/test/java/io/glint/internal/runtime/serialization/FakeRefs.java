package io.glint.internal.runtime.serialization;

import com.google.protobuf.ByteString;
import io.glint.api.ActorHandle;
import io.glint.api.ObjectRef;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.ObjectReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A {@link RefResolver} for codec tests: refs are their ids, and escapes are recorded. */
final class FakeRefs implements RefResolver {
  /** A ref implementation for tests: the codecs only see the resolver's view of it. */
  record FakeRef(String id) implements ObjectRef<Integer> {
    @Override
    public CompletableFuture<Integer> toCompletableFuture() {
      return CompletableFuture.completedFuture(0);
    }
  }

  /** Ids of the refs written as escaped ({@link #toForeignReference}). */
  final List<String> escaped = new ArrayList<>();

  @Override
  public ObjectReference toReference(ObjectRef<?> ref) {
    return ObjectReference.newBuilder()
        .setObjectId(ByteString.copyFromUtf8(ref.id()))
        .setOwner(Address.newBuilder().setHost("h").setPort(1))
        .build();
  }

  @Override
  public ObjectReference toForeignReference(ObjectRef<?> ref) {
    escaped.add(ref.id());
    return toReference(ref);
  }

  @Override
  public ObjectRef<?> fromReference(ObjectReference ref) {
    return new FakeRef(ref.getObjectId().toStringUtf8());
  }

  @Override
  public ByteString actorIdOf(ActorHandle<?> handle) {
    return ByteString.copyFromUtf8(handle.id());
  }

  @Override
  public ActorHandle<?> actorFromId(ByteString actorId) {
    return null;
  }
}
