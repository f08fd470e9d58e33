package io.glint.internal.runtime.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialLaneTest {
  private final SerialLane lane = new SerialLane("lane-test");
  private final List<String> ran = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    lane.shutdown();
  }

  @Test
  void anIdleLaneRunsTheJobOnTheCallersThreadAfterTheHandOff() {
    Thread caller = Thread.currentThread();
    boolean here =
        lane.runHereIfIdle(
            () -> ran.add("job on " + (Thread.currentThread() == caller ? "caller" : "other")),
            () -> ran.add("hand-off"));
    assertThat(here).isTrue();
    assertThat(ran).containsExactly("hand-off", "job on caller");
  }

  @Test
  void aBusyLaneKeepsItsOrderAndTheCallersThread() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    lane.execute(
        () -> {
          started.countDown();
          await(release);
          ran.add("first on " + Thread.currentThread().getName());
        });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    boolean here = lane.runHereIfIdle(() -> ran.add("never"), () -> ran.add("never hand-off"));
    assertThat(here).isFalse();
    CountDownLatch done = new CountDownLatch(1);
    lane.execute(() -> ran.add("second"));
    lane.execute(done::countDown);
    release.countDown();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).containsExactly("first on lane-test", "second");
  }

  @Test
  void jobsArrivingDuringAnInlineRunFollowItOnTheSameThread() throws Exception {
    Thread caller = Thread.currentThread();
    lane.runHereIfIdle(
        () -> {
          lane.execute(() -> ran.add("queued on " + (Thread.currentThread() == caller)));
          ran.add("inline");
        },
        () -> {});
    assertThat(ran).containsExactly("inline", "queued on true");
    // Idle again: the next job starts on the lane's own thread.
    CountDownLatch done = new CountDownLatch(1);
    lane.execute(
        () -> {
          ran.add("later on " + Thread.currentThread().getName());
          done.countDown();
        });
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).last().isEqualTo("later on lane-test");
  }

  @Test
  void aFailingJobDoesNotStopTheLane() throws Exception {
    lane.runHereIfIdle(
        () -> {
          throw new IllegalStateException("boom");
        },
        () -> {});
    CountDownLatch done = new CountDownLatch(1);
    lane.execute(done::countDown);
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
  }

  private static void await(CountDownLatch l) {
    try {
      l.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
