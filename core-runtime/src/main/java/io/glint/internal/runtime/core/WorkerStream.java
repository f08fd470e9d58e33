package io.glint.internal.runtime.core;

import io.glint.internal.proto.Address;
import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.PushReply;
import io.glint.internal.proto.TaskBatch;
import io.glint.internal.proto.TaskResult;
import io.glint.internal.proto.TaskSpec;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;

/**
 * The submitter's end of one long-lived {@code PushTasks} stream to a worker (over gRPC, or the
 * worker's Unix domain socket when it is on this node: {@link TaskStreams}): tasks go out as they
 * are dispatched, results come back in any order.
 *
 * <p>The stream opens only on {@link #start()}, so its owner can publish it first; its end is
 * reported on {@code closeExecutor}, never inside the caller's own call (a call to a dead address
 * can fail synchronously), and {@link #send} refuses once it has ended.
 */
final class WorkerStream {
  /** What happens to results and to the stream's end. */
  interface Listener {
    void onResult(WorkerStream stream, TaskResult result);

    /** The stream ended. */
    void onClosed(WorkerStream stream, Status status);
  }

  private final TaskStreams streams;
  private final Address to;
  private final Listener listener;
  private final Executor closeExecutor;
  private StreamObserver<PushMessage> out;
  private boolean closed;
  private final java.util.List<TaskSpec> queued = new java.util.ArrayList<>();
  private boolean holding;

  WorkerStream(TaskStreams streams, Address to, Listener listener, Executor closeExecutor) {
    this.streams = streams;
    this.to = to;
    this.listener = listener;
    this.closeExecutor = closeExecutor;
  }

  /** Opens the stream. */
  synchronized WorkerStream start() {
    out =
        streams.open(
            to,
            new StreamObserver<>() {
              @Override
              public void onNext(PushReply reply) {
                if (reply.hasResult()) {
                  listener.onResult(WorkerStream.this, reply.getResult());
                }
                if (reply.hasResults()) {
                  // Tasks dispatched in answer to these results go out together after them.
                  holdFlushes(true);
                  try {
                    for (TaskResult r : reply.getResults().getResultsList()) {
                      listener.onResult(WorkerStream.this, r);
                    }
                  } finally {
                    holdFlushes(false);
                    flush();
                  }
                }
              }

              @Override
              public void onError(Throwable t) {
                ended(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                ended(Status.UNAVAILABLE.withDescription("worker closed the stream"));
              }
            });
    return this;
  }

  private void ended(Status status) {
    synchronized (this) {
      closed = true;
    }
    closeExecutor.execute(() -> listener.onClosed(this, status));
  }

  /** Sends one message (after any queued tasks); returns false when the stream has ended. */
  synchronized boolean send(PushMessage m) {
    return flush(true) && write(m); // a cancel never overtakes its task
  }

  /**
   * Queues a task to go out with the others queued before the next {@link #flush()} (one message
   * for a backlog); returns false when the stream has ended.
   */
  synchronized boolean queue(TaskSpec task) {
    if (closed || out == null) {
      return false;
    }
    queued.add(task);
    return true;
  }

  private synchronized void holdFlushes(boolean hold) {
    holding = hold;
  }

  /**
   * Sends the queued tasks (unless a batch of results is being delivered: then after it); returns
   * false when the stream has ended.
   */
  synchronized boolean flush() {
    return flush(false);
  }

  private boolean flush(boolean evenWhileHolding) {
    if (queued.isEmpty() || (holding && !evenWhileHolding)) {
      return !closed && out != null;
    }
    PushMessage m =
        queued.size() == 1
            ? PushMessage.newBuilder().setTask(queued.get(0)).build()
            : PushMessage.newBuilder().setTasks(TaskBatch.newBuilder().addAllTasks(queued)).build();
    queued.clear();
    return write(m);
  }

  private boolean write(PushMessage m) {
    if (closed || out == null) {
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

  /** Ends the stream from our side. */
  synchronized void close() {
    if (!closed && out != null) {
      closed = true;
      try {
        out.onCompleted();
      } catch (RuntimeException ignored) {
        // already broken
      }
    }
  }
}
