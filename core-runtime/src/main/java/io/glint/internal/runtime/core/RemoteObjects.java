package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.api.exception.ObjectStoreFullException;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ObjectChunk;
import io.glint.internal.proto.ObjectLocation;
import io.glint.internal.proto.ObjectStatus;
import io.glint.internal.proto.WriteObjectReply;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Ids;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Objects of a driver that maps no store (a remote driver): a large put is encoded into memory of
 * its own and streamed in chunks to its home node, which stores it; a stored object is streamed
 * from the node that holds it.
 */
final class RemoteObjects {
  private RemoteObjects() {}

  /**
   * A large put from a driver that maps no store: encoded once into memory of its own, then
   * streamed in chunks to its home node, which stores it.
   */
  static ObjectStatus store(
      CoreWorker worker, ByteString objectId, ValueCodec.Encoded.Large value, Address owner) {
    long size = value.sizeBytes();
    CompletableFuture<WriteObjectReply> done = new CompletableFuture<>();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment bytes = arena.allocate(Math.max(1, size));
      value.writer().accept(bytes.asSlice(0, size));
      StreamObserver<ObjectChunk> out =
          NodeServiceGrpc.newStub(worker.channels().get(worker.settings().nodeAddress()))
              .withDeadlineAfter(30, TimeUnit.MINUTES)
              .writeObject(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(WriteObjectReply r) {
                      done.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                      done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                  });
      long offset = 0;
      do {
        int n = (int) Math.min(4 << 20, size - offset);
        var c =
            ObjectChunk.newBuilder()
                .setOffset(offset)
                .setData(ByteString.copyFrom(bytes.asSlice(offset, n).asByteBuffer()));
        if (offset == 0) {
          c.setObjectId(objectId)
              .setTotalSize(size)
              .setFormat(value.format().getNumber())
              .setOwner(owner);
        }
        out.onNext(c.build());
        offset += n;
      } while (offset < size);
      out.onCompleted();
      WriteObjectReply r = done.join();
      if (!r.getError().isEmpty()) {
        throw new ObjectStoreFullException(r.getError(), size);
      }
    } catch (CompletionException e) {
      throw new ObjectStoreFullException(
          "Cannot send the object to node "
              + worker.settings().nodeAddress().getHost()
              + ": "
              + e.getCause(),
          size);
    }
    return ObjectStatus.newBuilder()
        .setLocation(
            ObjectLocation.newBuilder()
                .setNodeId(worker.settings().nodeId())
                .setSizeBytes(size)
                .setFormat(value.format()))
        .build();
  }

  /** A stored object's bytes, streamed from the node that holds it into memory of our own. */
  static MemorySegment read(
      CoreWorker worker, ObjectStoreClient client, ByteString objectId, ObjectLocation loc) {
    Address node = worker.nodeAddress(loc.getNodeId());
    if (node == null) {
      worker.refreshClusterViewNow();
      node = worker.nodeAddress(loc.getNodeId());
    }
    if (node == null) {
      throw client.objectLost(objectId);
    }
    try {
      java.util.Iterator<ObjectChunk> chunks =
          NodeServiceGrpc.newBlockingStub(worker.channels().get(node))
              .withDeadlineAfter(30, TimeUnit.MINUTES)
              .readObject(
                  io.glint.internal.proto.ReadObjectRequest.newBuilder()
                      .setObjectId(objectId)
                      .build());
      ObjectChunk first = chunks.next();
      MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, first.getTotalSize()), 64);
      first.getData().copyTo(seg.asSlice(first.getOffset(), first.getData().size()).asByteBuffer());
      while (chunks.hasNext()) {
        var c = chunks.next();
        c.getData().copyTo(seg.asSlice(c.getOffset(), c.getData().size()).asByteBuffer());
      }
      return seg.asSlice(0, first.getTotalSize()).asReadOnly();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        throw client.objectLost(objectId);
      }
      throw Failures.toException(
          Failures.system(
              FailureKind.FAILURE_KIND_OBJECT_LOST,
              "ObjectTransferError",
              "cannot read object "
                  + Ids.shortHex(objectId)
                  + " from node "
                  + node.getHost()
                  + ":"
                  + node.getPort()
                  + ": "
                  + e.getStatus(),
              true),
          worker.loader());
    }
  }
}
