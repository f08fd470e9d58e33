package io.glint.internal.runtime.core;

import io.glint.internal.proto.ExitReply;
import io.glint.internal.proto.ExitRequest;
import io.glint.internal.proto.GetObjectStatusReply;
import io.glint.internal.proto.GetObjectStatusRequest;
import io.glint.internal.proto.HandshakeReply;
import io.glint.internal.proto.HandshakeRequest;
import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.PushReply;
import io.glint.internal.proto.UpdateBorrowsReply;
import io.glint.internal.proto.UpdateBorrowsRequest;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.glint.internal.runtime.common.Rpc;
import io.glint.internal.runtime.common.Versions;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/** The gRPC face of a core worker: pushed tasks (workers), object status (owners), exit. */
final class WorkerServiceImpl extends WorkerServiceGrpc.WorkerServiceImplBase {
  private final CoreWorker worker;

  WorkerServiceImpl(CoreWorker worker) {
    this.worker = worker;
  }

  @Override
  public void handshake(HandshakeRequest request, StreamObserver<HandshakeReply> obs) {
    obs.onNext(Versions.answer(request));
    obs.onCompleted();
  }

  @Override
  public StreamObserver<PushMessage> pushTasks(StreamObserver<PushReply> obs) {
    TaskExecutor executor = worker.executor();
    if (executor == null) {
      obs.onError(
          Status.FAILED_PRECONDITION
              .withDescription("this process is a driver; it does not execute tasks")
              .asRuntimeException());
      return CoreWorker.ignore();
    }
    ReplySink sink = new ReplySink(obs, worker.scheduler());
    return new StreamObserver<>() {
      @Override
      public void onNext(PushMessage m) {
        switch (m.getKindCase()) {
          case TASK -> {
            sink.expect(1);
            executor.onTask(m.getTask(), sink);
          }
          case TASKS -> {
            sink.expect(m.getTasks().getTasksCount());
            m.getTasks().getTasksList().forEach(t -> executor.onTask(t, sink));
          }
          case CANCEL -> executor.onCancel(m.getCancel().getTaskId(), m.getCancel().getForce());
          default -> {}
        }
      }

      @Override
      public void onError(Throwable t) {
        executor.onStreamClosed(sink);
        sink.close();
      }

      @Override
      public void onCompleted() {
        sink.close();
      }
    };
  }

  @Override
  public void getObjectStatus(
      GetObjectStatusRequest request, StreamObserver<GetObjectStatusReply> obs) {
    worker.objectResolver().answerObjectStatus(request.getObjectId(), request.getTimeoutMs(), obs);
  }

  @Override
  public void updateBorrows(UpdateBorrowsRequest request, StreamObserver<UpdateBorrowsReply> obs) {
    // Applying may free objects and release the borrows they hold: calls not tied to this one.
    Rpc.detached(() -> worker.refCounter().applyBorrowUpdates(request.getUpdatesList()));
    obs.onNext(UpdateBorrowsReply.getDefaultInstance());
    obs.onCompleted();
  }

  @Override
  public void getWorkerStats(
      io.glint.internal.proto.GetWorkerStatsRequest request,
      StreamObserver<io.glint.internal.proto.WorkerStats> obs) {
    TaskExecutor executor = worker.executor();
    var b = executor == null ? io.glint.internal.proto.WorkerStats.newBuilder() : executor.stats();
    Runtime rt = Runtime.getRuntime();
    obs.onNext(
        b.setHeapUsed(rt.totalMemory() - rt.freeMemory())
            .setHeapCommitted(rt.totalMemory())
            .setHeapMax(rt.maxMemory())
            .build());
    obs.onCompleted();
  }

  @Override
  public void exit(ExitRequest request, StreamObserver<ExitReply> obs) {
    boolean accept =
        worker.executor() != null
            && (request.getForce()
                || (!worker.ownsObjects() && worker.executor().actorId() == null));
    obs.onNext(ExitReply.newBuilder().setAccepted(accept).build());
    obs.onCompleted();
    if (accept) {
      worker
          .scheduler()
          .schedule(
              () -> {
                // The refs this worker borrows die with it: tell their owners first.
                worker.borrows().releaseAll();
                System.exit(0);
              },
              50,
              TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void getPackage(
      io.glint.internal.proto.GetPackageRequest request,
      StreamObserver<io.glint.internal.proto.PackageChunk> obs) {
    // File reads: off the transport thread.
    worker.async(
        () -> {
          try (var in =
              io.glint.internal.runtime.cluster.CodePackages.open(request.getHash()).orElse(null)) {
            if (in == null) {
              obs.onError(
                  Status.NOT_FOUND
                      .withDescription("no package " + request.getHash() + " here")
                      .asRuntimeException());
              return;
            }
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
              obs.onNext(
                  io.glint.internal.proto.PackageChunk.newBuilder()
                      .setData(com.google.protobuf.ByteString.copyFrom(buf, 0, n))
                      .build());
            }
            obs.onCompleted();
          } catch (java.io.IOException | RuntimeException e) {
            try {
              obs.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
            } catch (RuntimeException ignored) {
              // the caller went away
            }
          }
        });
  }
}
