package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.GetObjectStatusReply;
import io.glint.internal.proto.GetObjectStatusRequest;
import io.glint.internal.proto.ObjectStatus;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Ids;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Where an object stands: owned objects from this process's table; borrowed ones asked of their
 * owner, one request per object however many wait for it (the owner answers once the object is
 * ready, or says it is still pending after a while and is asked again). Also the owner's side of
 * those requests.
 */
final class ObjectResolver {
  private final CoreWorker worker;

  ObjectResolver(CoreWorker worker) {
    this.worker = worker;
  }

  private final ConcurrentHashMap<ByteString, CompletableFuture<ObjectStatus>> fetching =
      new ConcurrentHashMap<>();

  /** The status of an object: owned ones from the table, borrowed ones from their owner. */
  CompletableFuture<ObjectStatus> statusFuture(ObjectRefImpl<?> r) {
    if (r.inlineStatus != null) {
      return CompletableFuture.completedFuture(r.inlineStatus);
    }
    ObjectTable.Entry e = worker.objects().get(r.objectId);
    if (e != null) {
      return e.status();
    }
    if (r.owner.getWorkerId().equals(worker.settings().workerId())) {
      return CompletableFuture.completedFuture(
          ObjectStatus.newBuilder()
              .setFailure(
                  Failures.system(
                      FailureKind.FAILURE_KIND_OBJECT_LOST,
                      "ObjectFreedError",
                      "object " + Ids.shortHex(r.objectId) + " was already freed by its owner",
                      false))
              .build());
    }
    return fetching.computeIfAbsent(
        r.objectId,
        id -> {
          CompletableFuture<ObjectStatus> f = new CompletableFuture<>();
          askOwner(r, f);
          f.whenComplete((s, err) -> fetching.remove(id, f));
          return f;
        });
  }

  private void askOwner(ObjectRefImpl<?> r, CompletableFuture<ObjectStatus> f) {
    WorkerServiceGrpc.newStub(worker.channels().get(r.owner))
        .getObjectStatus(
            GetObjectStatusRequest.newBuilder()
                .setObjectId(r.objectId)
                .setTimeoutMs(10_000)
                .build(),
            new StreamObserver<>() {
              @Override
              public void onNext(GetObjectStatusReply reply) {
                if (reply.getPending()) {
                  if (!worker.isShutdown()) {
                    askOwner(r, f);
                  }
                } else if (reply.getUnknown()) {
                  f.complete(
                      failureStatus(
                          FailureKind.FAILURE_KIND_OBJECT_LOST,
                          "ObjectLostError",
                          "the owner of object "
                              + Ids.shortHex(r.objectId)
                              + " no longer has it (it was freed)"));
                } else {
                  f.complete(reply.getStatus());
                }
              }

              @Override
              public void onError(Throwable t) {
                f.complete(
                    failureStatus(
                        FailureKind.FAILURE_KIND_OWNER_DIED,
                        "OwnerDiedError",
                        "the owner of object "
                            + Ids.shortHex(r.objectId)
                            + " ("
                            + r.owner.getHost()
                            + ":"
                            + r.owner.getPort()
                            + ") is unreachable: "
                            + Status.fromThrowable(t).getCode()));
              }

              @Override
              public void onCompleted() {}
            });
  }

  private static ObjectStatus failureStatus(FailureKind kind, String type, String message) {
    return ObjectStatus.newBuilder()
        .setFailure(Failures.system(kind, type, message, false))
        .build();
  }

  /** Owner side of GetObjectStatus. */
  void answerObjectStatus(
      ByteString objectId, long timeoutMs, StreamObserver<GetObjectStatusReply> obs) {
    ObjectTable.Entry e = worker.objects().get(objectId);
    if (e == null) {
      obs.onNext(GetObjectStatusReply.newBuilder().setUnknown(true).build());
      obs.onCompleted();
      return;
    }
    CompletableFuture<ObjectStatus> f = e.status();
    if (!f.isDone() && timeoutMs > 0) {
      f = f.copy().completeOnTimeout(null, timeoutMs, TimeUnit.MILLISECONDS);
    }
    f.whenComplete(
        (s, err) -> {
          try {
            if (s == null) {
              obs.onNext(GetObjectStatusReply.newBuilder().setPending(true).build());
            } else {
              obs.onNext(GetObjectStatusReply.newBuilder().setStatus(s).build());
            }
            obs.onCompleted();
          } catch (RuntimeException ignored) {
            // the borrower went away
          }
        });
  }
}
