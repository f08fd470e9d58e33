package io.glint.internal.runtime.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.PushReply;
import io.glint.internal.proto.TaskResult;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplySinkTest {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<PushReply> sent = new CopyOnWriteArrayList<>();
  private volatile boolean completed;
  private final StreamObserver<PushReply> obs =
      new StreamObserver<>() {
        @Override
        public void onNext(PushReply r) {
          sent.add(r);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          completed = true;
        }
      };

  /** Holds results up to 10 s, so only the backlog rule decides (no timing in these tests). */
  private final ReplySink sink = new ReplySink(obs, timer, 10_000_000);

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private static TaskResult result(int i) {
    return TaskResult.newBuilder().setTaskId(ByteString.copyFromUtf8("t" + i)).build();
  }

  private List<String> ids() {
    return sent.stream()
        .flatMap(
            r ->
                r.hasResult()
                    ? java.util.stream.Stream.of(r.getResult())
                    : r.getResults().getResultsList().stream())
        .map(t -> t.getTaskId().toStringUtf8())
        .toList();
  }

  private static void within2s(java.util.function.BooleanSupplier done)
      throws InterruptedException {
    long end = System.nanoTime() + 2_000_000_000L;
    while (!done.getAsBoolean() && System.nanoTime() < end) {
      Thread.sleep(5);
    }
  }

  @Test
  void aLoneResultGoesOutAtOnce() {
    sink.expect(1);
    sink.send(result(1));
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).hasResult()).isTrue();
  }

  @Test
  void resultsWithMoreTasksQueuedGoOutTogetherWithTheLastOne() {
    sink.expect(3);
    sink.send(result(1));
    sink.send(result(2));
    assertThat(sent).isEmpty();
    sink.send(result(3));
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).getResults().getResultsCount()).isEqualTo(3);
    assertThat(ids()).containsExactly("t1", "t2", "t3");
  }

  @Test
  void aHeldResultIsSentWithinItsBoundEvenWhenTheNextTaskRunsLong() throws Exception {
    ReplySink sink = new ReplySink(obs, timer);
    sink.expect(2);
    sink.send(result(1));
    within2s(() -> ids().size() == 1);
    assertThat(ids()).containsExactly("t1");
  }

  @Test
  void aLaterBatchIsSentWithinItsBoundByTheSameTimer() throws Exception {
    ReplySink sink = new ReplySink(obs, timer, 300_000); // longer than filling one batch takes
    sink.expect(ReplySink.MAX_BATCH + 2);
    // A full batch goes out at once; the timer armed for its first result stays armed.
    for (int i = 0; i < ReplySink.MAX_BATCH; i++) {
      sink.send(result(i));
    }
    assertThat(sent).hasSize(1);
    sink.send(result(100)); // held: one more task is still queued
    within2s(() -> sent.size() == 2);
    assertThat(ids()).endsWith("t100");
  }

  @Test
  void aBatchNeverExceedsItsLimit() {
    int n = ReplySink.MAX_BATCH * 2 + 1;
    sink.expect(n + 1);
    for (int i = 0; i < n; i++) {
      sink.send(result(i));
    }
    assertThat(sent).hasSize(2); // two full batches; the last result waits for the next
    assertThat(sent)
        .allSatisfy(
            r -> assertThat(r.getResults().getResultsCount()).isEqualTo(ReplySink.MAX_BATCH));
    sink.close();
    assertThat(ids()).hasSize(n);
  }

  @Test
  void closingSendsWhatIsHeldFirst() {
    sink.expect(2);
    sink.send(result(1));
    sink.close();
    assertThat(ids()).containsExactly("t1");
    assertThat(completed).isTrue();
    sink.send(result(2));
    assertThat(ids()).containsExactly("t1");
  }
}
