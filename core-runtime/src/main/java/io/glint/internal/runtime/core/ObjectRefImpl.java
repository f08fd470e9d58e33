package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.api.ObjectRef;
import io.glint.internal.proto.Address;
import io.glint.internal.runtime.common.Ids;
import java.util.concurrent.CompletableFuture;

/** The runtime's {@link ObjectRef}: an object id and its owner's address. */
public final class ObjectRefImpl<T> implements ObjectRef<T> {
  final ByteString objectId;
  final Address owner;
  final CoreWorker worker;

  /** For results from another language: the Java type XLANG values are converted to. */
  final Class<?> resultType;

  ObjectRefImpl(ByteString objectId, Address owner, CoreWorker worker) {
    this(objectId, owner, worker, null);
  }

  ObjectRefImpl(ByteString objectId, Address owner, CoreWorker worker, Class<?> resultType) {
    this.objectId = objectId;
    this.owner = owner;
    this.worker = worker;
    this.resultType = resultType;
  }

  public ByteString objectId() {
    return objectId;
  }

  public Address owner() {
    return owner;
  }

  @Override
  public String id() {
    return Ids.hex(objectId);
  }

  @Override
  public CompletableFuture<T> toCompletableFuture() {
    return worker.toCompletableFuture(this);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ObjectRefImpl<?> r && r.objectId.equals(objectId);
  }

  @Override
  public int hashCode() {
    return objectId.hashCode();
  }

  @Override
  public String toString() {
    return "ObjectRef(" + id() + ")";
  }
}
