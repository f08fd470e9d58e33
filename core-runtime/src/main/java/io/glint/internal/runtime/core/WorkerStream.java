package io.glint.internal.runtime.core;

import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.PushReply;
import io.glint.internal.proto.TaskResult;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * The submitter's end of one long-lived {@code PushTasks} stream to a worker: tasks go out as they
 * are dispatched, results come back in any order.
 */
final class WorkerStream {
  /** What happens to results and to the stream's end. */
  interface Listener {
    void onResult(TaskResult result);

    /** The stream ended; {@code status} is null when it was closed by us. */
    void onClosed(Status status);
  }

  private final StreamObserver<PushMessage> out;
  private boolean closed;

  WorkerStream(Channel channel, Listener listener) {
    this.out =
        WorkerServiceGrpc.newStub(channel)
            .pushTasks(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PushReply reply) {
                    if (reply.hasResult()) {
                      listener.onResult(reply.getResult());
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    listener.onClosed(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    listener.onClosed(
                        Status.UNAVAILABLE.withDescription("worker closed the stream"));
                  }
                });
  }

  /** Sends one message; returns false when the stream is already closed. */
  synchronized boolean send(PushMessage m) {
    if (closed) {
      return false;
    }
    try {
      out.onNext(m);
      return true;
    } catch (RuntimeException e) {
      closed = true;
      return false;
    }
  }

  synchronized void close() {
    if (!closed) {
      closed = true;
      try {
        out.onCompleted();
      } catch (RuntimeException ignored) {
        // already broken
      }
    }
  }
}
