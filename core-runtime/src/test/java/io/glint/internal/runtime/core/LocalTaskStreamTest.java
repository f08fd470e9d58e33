package io.glint.internal.runtime.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.CancelTask;
import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.PushReply;
import io.glint.internal.proto.TaskBatch;
import io.glint.internal.proto.TaskResult;
import io.glint.internal.proto.TaskSpec;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task stream over a worker's Unix domain socket: same exchange as gRPC's, token first. */
class LocalTaskStreamTest {
  private static final String TOKEN = "0123456789abcdef";

  @TempDir Path dir;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final ExecutorService serverThreads = Executors.newCachedThreadPool();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final Set<LocalTaskClient> open = ConcurrentHashMap.newKeySet();

  /** What the worker's side saw: messages, then "completed" or "error: ...". */
  private final BlockingQueue<Object> served = new LinkedBlockingQueue<>();

  /** What the submitter's side got: replies, then "completed" or the error's status code. */
  private final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();

  private LocalTaskServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    threads.shutdownNow();
    serverThreads.shutdownNow();
    timer.shutdownNow();
  }

  /** A worker that answers each task with a result naming it. */
  private StreamObserver<PushMessage> echo(StreamObserver<PushReply> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(PushMessage m) {
        served.add(m);
        List<TaskSpec> tasks = m.hasTasks() ? m.getTasks().getTasksList() : List.of();
        if (m.hasTask()) {
          tasks = List.of(m.getTask());
        }
        for (TaskSpec t : tasks) {
          out.onNext(
              PushReply.newBuilder()
                  .setResult(TaskResult.newBuilder().setTaskId(t.getTaskId()))
                  .build());
        }
      }

      @Override
      public void onError(Throwable t) {
        served.add("error: " + Status.fromThrowable(t).getCode());
        out.onError(t);
      }

      @Override
      public void onCompleted() {
        served.add("completed");
        out.onCompleted();
      }
    };
  }

  private final StreamObserver<PushReply> collector =
      new StreamObserver<>() {
        @Override
        public void onNext(PushReply r) {
          replies.add(r);
        }

        @Override
        public void onError(Throwable t) {
          replies.add(Status.fromThrowable(t).getCode());
        }

        @Override
        public void onCompleted() {
          replies.add("completed");
        }
      };

  private static TaskSpec task(String id) {
    return TaskSpec.newBuilder().setTaskId(ByteString.copyFromUtf8(id)).build();
  }

  private Path startServer() throws Exception {
    server =
        LocalTaskServer.start(dir.resolve("tasks.sock"), TOKEN, this::echo, serverThreads, timer);
    return server.path();
  }

  private Object next(BlockingQueue<Object> q) throws InterruptedException {
    Object o = q.poll(10, TimeUnit.SECONDS);
    assertThat(o).as("nothing arrived within 10 s").isNotNull();
    return o;
  }

  private static String resultId(Object reply) {
    return ((PushReply) reply).getResult().getTaskId().toStringUtf8();
  }

  @Test
  void tasksAndBatchesGetTheirResultsInOrderAndTheEndIsAnswered() throws Exception {
    Path socket = startServer();
    LocalTaskClient c = LocalTaskClient.connect(socket, TOKEN, collector, threads, open);
    c.onNext(PushMessage.newBuilder().setTask(task("a")).build());
    c.onNext(
        PushMessage.newBuilder()
            .setTasks(TaskBatch.newBuilder().addTasks(task("b")).addTasks(task("c")))
            .build());
    c.onNext(
        PushMessage.newBuilder()
            .setCancel(CancelTask.newBuilder().setTaskId(ByteString.copyFromUtf8("c")))
            .build());
    assertThat(List.of(resultId(next(replies)), resultId(next(replies)), resultId(next(replies))))
        .containsExactly("a", "b", "c");
    assertThat(((PushMessage) next(served)).getTask().getTaskId().toStringUtf8()).isEqualTo("a");
    assertThat(((PushMessage) next(served)).getTasks().getTasksCount()).isEqualTo(2);
    assertThat(((PushMessage) next(served)).hasCancel()).isTrue();

    c.onCompleted();
    assertThat(next(served)).isEqualTo("completed");
    assertThat(next(replies)).isEqualTo("completed");
    assertThat(open).isEmpty();
  }

  @Test
  void largeMessagesCrossWhole() throws Exception {
    Path socket = startServer();
    LocalTaskClient c = LocalTaskClient.connect(socket, TOKEN, collector, threads, open);
    String id = "x".repeat(100_000);
    c.onNext(
        PushMessage.newBuilder()
            .setTask(task(id).toBuilder().setName("n".repeat(3 << 20)))
            .build());
    assertThat(((PushMessage) next(served)).getTask().getName()).hasSize(3 << 20);
    assertThat(resultId(next(replies))).isEqualTo(id);
    c.onCompleted();
  }

  /**
   * Both directions full at once: the submitter writes big tasks under its stream's lock while its
   * reading thread needs that lock for each big result, and the worker's results are written under
   * the sink's lock. The worker's reading thread must keep taking tasks (it never waits for the
   * sink's lock), or each side waits for the other to read.
   */
  @Test
  void fullBuffersBothWaysDoNotDeadlock() throws Exception {
    ExecutorService taskThread = Executors.newSingleThreadExecutor();
    ByteString big = ByteString.copyFrom(new byte[64 * 1024]);
    server =
        LocalTaskServer.start(
            dir.resolve("tasks.sock"),
            TOKEN,
            out -> {
              ReplySink sink = new ReplySink(out, timer);
              return new StreamObserver<>() {
                @Override
                public void onNext(PushMessage m) {
                  sink.expect(1);
                  taskThread.execute(
                      () ->
                          sink.send(
                              TaskResult.newBuilder()
                                  .setTaskId(m.getTask().getTaskId())
                                  .addReturns(
                                      io.glint.internal.proto.ReturnObject.newBuilder()
                                          .setObjectId(big))
                                  .build()));
                }

                @Override
                public void onError(Throwable t) {
                  sink.close();
                }

                @Override
                public void onCompleted() {
                  sink.close();
                }
              };
            },
            serverThreads,
            timer);
    Object streamLock = new Object();
    java.util.concurrent.atomic.AtomicInteger received =
        new java.util.concurrent.atomic.AtomicInteger();
    CountDownLatch all = new CountDownLatch(1);
    int n = 400;
    StreamObserver<PushReply> lockingReplies =
        new StreamObserver<>() {
          @Override
          public void onNext(PushReply r) {
            synchronized (streamLock) {
              int got = r.hasResults() ? r.getResults().getResultsCount() : 1;
              if (received.addAndGet(got) == n) {
                all.countDown();
              }
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
    LocalTaskClient c =
        LocalTaskClient.connect(server.path(), TOKEN, lockingReplies, threads, open);
    Thread submitter =
        new Thread(
            () -> {
              for (int i = 0; i < n; i++) {
                synchronized (streamLock) {
                  c.onNext(
                      PushMessage.newBuilder()
                          .setTask(task("t" + i).toBuilder().setNameBytes(big))
                          .build());
                }
              }
            });
    submitter.setDaemon(true);
    submitter.start();
    try {
      assertThat(all.await(60, TimeUnit.SECONDS)).as("results received: " + received).isTrue();
      c.onCompleted();
    } finally {
      c.onError(new IllegalStateException("test over")); // unblocks a stuck writer
      taskThread.shutdownNow();
    }
  }

  @Test
  void aWrongTokenIsRefusedBeforeAnyTaskIsServed() throws Exception {
    Path socket = startServer();
    LocalTaskClient c = LocalTaskClient.connect(socket, "not-the-token", collector, threads, open);
    try {
      c.onNext(PushMessage.newBuilder().setTask(task("a")).build());
    } catch (RuntimeException refusedAlready) {
      // the server may have closed the socket before this write
    }
    assertThat(next(replies)).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(served.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void anAbortedStreamIsAnErrorOnTheWorkersSideNotAnEnd() throws Exception {
    Path socket = startServer();
    LocalTaskClient c = LocalTaskClient.connect(socket, TOKEN, collector, threads, open);
    c.onNext(PushMessage.newBuilder().setTask(task("a")).build());
    assertThat(resultId(next(replies))).isEqualTo("a");
    c.onError(new IllegalStateException("driver shut down"));
    next(served); // the task
    assertThat(next(served)).isEqualTo("error: CANCELLED");
  }

  @Test
  void aWorkerThatGoesAwayBreaksTheStream() throws Exception {
    Path socket = startServer();
    LocalTaskClient c = LocalTaskClient.connect(socket, TOKEN, collector, threads, open);
    c.onNext(PushMessage.newBuilder().setTask(task("a")).build());
    assertThat(resultId(next(replies))).isEqualTo("a");
    serverThreads.shutdownNow(); // the server's reading thread is interrupted: its channel closes
    server.close();
    assertThat(next(replies)).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void theSocketIsTheOwnersOnlyAndGoesWithTheServer() throws Exception {
    Path socket = startServer();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-------");
    server.close();
    assertThat(socket).doesNotExist();
  }

  @Test
  void streamsToAnotherNodeOrWithoutASocketUseGrpc() throws Exception {
    Path socket = startServer();
    ByteString here = ByteString.copyFromUtf8("node-1");
    Address local =
        Address.newBuilder()
            .setNodeId(here)
            .setHost("127.0.0.1")
            .setPort(1)
            .setLocalSocket(socket.toString())
            .build();
    try (var channels = new io.glint.internal.runtime.common.ChannelPool(TOKEN, null);
        TaskStreams streams = new TaskStreams(here, TOKEN, channels, true)) {
      assertThat(streams.open(local, collector)).isInstanceOf(LocalTaskClient.class);
      Address elsewhere = local.toBuilder().setNodeId(ByteString.copyFromUtf8("node-2")).build();
      assertThat(streams.open(elsewhere, collector)).isNotInstanceOf(LocalTaskClient.class);
      Address gone = local.toBuilder().setLocalSocket(dir.resolve("gone.sock").toString()).build();
      assertThat(streams.open(gone, collector)).isNotInstanceOf(LocalTaskClient.class);
    }
    try (var channels = new io.glint.internal.runtime.common.ChannelPool(TOKEN, null);
        TaskStreams off = new TaskStreams(here, TOKEN, channels, false)) {
      assertThat(off.open(local, collector)).isNotInstanceOf(LocalTaskClient.class);
    }
  }
}
