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

  /**
   * The value of a small put, carried by the ref itself: such a ref enters the object table (is
   * materialized) only when it leaves this process or a task holds it.
   */
  final io.glint.internal.proto.ObjectStatus inlineStatus;

  /** Guarded by this: whether the object table tracks the ref carrying its value. */
  boolean materialized;

  /** Drops this process's reference: run by the garbage collector, or at once by release(). */
  volatile java.lang.ref.Cleaner.Cleanable cleanable;

  ObjectRefImpl(ByteString objectId, Address owner, CoreWorker worker) {
    this(objectId, owner, worker, null);
  }

  ObjectRefImpl(ByteString objectId, Address owner, CoreWorker worker, Class<?> resultType) {
    this(objectId, owner, worker, resultType, null);
  }

  ObjectRefImpl(
      ByteString objectId,
      Address owner,
      CoreWorker worker,
      Class<?> resultType,
      io.glint.internal.proto.ObjectStatus inlineStatus) {
    this.objectId = objectId;
    this.owner = owner;
    this.worker = worker;
    this.resultType = resultType;
    this.inlineStatus = inlineStatus;
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
  public void release() {
    java.lang.ref.Cleaner.Cleanable c = cleanable;
    if (c != null) {
      c.clean(); // runs the drop at most once, whoever calls first
    }
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
