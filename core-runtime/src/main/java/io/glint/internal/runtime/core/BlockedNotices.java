package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.WorkerBlockedReply;
import io.glint.internal.proto.WorkerBlockedRequest;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Tells the node daemon when this worker's task blocks in {@code get} or {@code wait} (its CPU goes
 * back to the node, so the tasks it waits for can run) and when it goes on, as Ray's
 * NotifyDirectCallTaskBlocked/Unblocked do.
 *
 * <p>Nested and concurrent waits in one worker count as one: the first to block and the last to go
 * on send. Notices go out without waiting for the reply (a nested task's parent used to wait for
 * two round trips per child), numbered from 1 so the node applies them in order even when they
 * arrive out of it: it ignores a notice older than the last it applied.
 */
final class BlockedNotices {
  private static final System.Logger LOG = System.getLogger(BlockedNotices.class.getName());

  private final ByteString workerId;
  private final Supplier<NodeServiceGrpc.NodeServiceStub> node;
  private int depth;
  private long seq;

  BlockedNotices(ByteString workerId, Supplier<NodeServiceGrpc.NodeServiceStub> node) {
    this.workerId = workerId;
    this.node = node;
  }

  /** A wait begins. */
  synchronized void enter() {
    if (depth++ == 0) {
      send(true);
    }
  }

  /** A wait ended. */
  synchronized void exit() {
    if (--depth == 0) {
      send(false);
    }
  }

  /** Under the lock, so the numbers follow the order of the transitions. */
  private void send(boolean blocked) {
    WorkerBlockedRequest req =
        WorkerBlockedRequest.newBuilder().setWorkerId(workerId).setSeq(++seq).build();
    StreamObserver<WorkerBlockedReply> onReply =
        new StreamObserver<>() {
          @Override
          public void onNext(WorkerBlockedReply r) {}

          @Override
          public void onError(Throwable t) {
            LOG.log(
                System.Logger.Level.WARNING,
                "Cannot tell the node daemon about a blocked get: " + t);
          }

          @Override
          public void onCompleted() {}
        };
    try {
      NodeServiceGrpc.NodeServiceStub stub = node.get().withDeadlineAfter(10, TimeUnit.SECONDS);
      if (blocked) {
        stub.notifyWorkerBlocked(req, onReply);
      } else {
        stub.notifyWorkerUnblocked(req, onReply);
      }
    } catch (RuntimeException e) {
      onReply.onError(e); // shutting down
    }
  }
}
