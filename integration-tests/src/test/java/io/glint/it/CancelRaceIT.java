package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.WaitResult;
import io.glint.testing.TestCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cancellation and retries where they meet process death, each on fresh clusters, in loops. */
class CancelRaceIT {
  /**
   * Fresh clusters per race loop, sized to check the race on every run of CI rather than to soak
   * (CI's time is shared by the whole suite); {@code -Dglint.it.raceRuns=50} soaks.
   */
  static final int RUNS = Integer.getInteger("glint.it.raceRuns", 5);

  /** Ray's WaitTest shape: wait inside a task, then cancel the slow one and return. */
  public static String waitThenCancel() {
    ObjectRef<String> a = Glint.task(CancelRaceIT::hi).remote();
    ObjectRef<String> b = Glint.task(CancelRaceIT::delayedHi).remote();
    WaitResult<String> r = Glint.wait(List.of(a, b), 2, 2_000);
    if (r.getReady().size() != 1) {
      throw new IllegalStateException("expected one ready, got " + r.getReady().size());
    }
    Glint.cancel(b);
    return "done";
  }

  public static String hi() {
    return "hi";
  }

  public static String delayedHi() throws InterruptedException {
    Thread.sleep(100_000);
    return "hi";
  }

  @Test
  void cancelInsideATaskNeverHangsIt() {
    for (int run = 0; run < RUNS; run++) {
      try (TestCluster c = TestCluster.builder().cpusPerNode(2).logToDriver(false).start()) {
        assertThat(Glint.get(Glint.task(CancelRaceIT::waitThenCancel).remote(), 30_000))
            .as("run %d", run)
            .isEqualTo("done");
      }
    }
  }

  @Test
  void aCallRightAfterAnActorCrashIsResentWhenItHasRetries() throws Exception {
    for (int run = 0; run < RUNS; run++) {
      try (TestCluster c = TestCluster.builder().cpusPerNode(2).logToDriver(false).start()) {
        ActorHandle<Actors.Counter> a =
            Glint.actor(Actors.Counter::new).setMaxRestarts(1).setMaxTaskRetries(1).remote();
        long pid = Glint.get(a.task(Actors.Counter::pid).remote());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        assertThat(Glint.get(a.task(Actors.Counter::increment).remote(), 60_000))
            .as("run %d", run)
            .isEqualTo(1);
      }
    }
  }

  /** Sleeps, then exits the worker process: a task whose worker is about to die. */
  public static String sleepThenExit(long millis) throws InterruptedException {
    Thread.sleep(millis);
    Runtime.getRuntime().halt(5);
    return "unreachable";
  }

  /** Sleeps uninterruptibly for a while: an interrupt would surface in the next task. */
  public static String sleepChecked(long millis) throws InterruptedException {
    Thread.sleep(millis);
    return "ok";
  }

  /** The places where cancellation, process death and retries meet, on one cluster. */
  @org.junit.jupiter.api.Nested
  class Audit {
    private TestCluster cluster;

    @org.junit.jupiter.api.BeforeEach
    void start() {
      cluster = TestCluster.builder().cpusPerNode(2).logToDriver(false).start();
    }

    @org.junit.jupiter.api.AfterEach
    void stop() {
      cluster.close();
    }

    /** A cancel's interrupt never reaches the next task the worker runs. */
    @Test
    void cancellingARunningTaskLeavesTheWorkerClean() {
      for (int i = 0; i < 10; i++) {
        ObjectRef<String> slow = Glint.task(Fns::sleep, 60_000L).remote();
        awaitRunning();
        Glint.cancel(slow);
        List<ObjectRef<String>> next = new java.util.ArrayList<>();
        for (int j = 0; j < 4; j++) {
          next.add(Glint.task(CancelRaceIT::sleepChecked, 20L).remote());
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Glint.get(slow, 30_000))
            .isInstanceOf(io.glint.api.exception.TaskCancelledFailure.class);
        assertThat(Glint.get(next, 30_000)).as("round %d", i).containsOnly("ok");
      }
    }

    /** A cancel racing the task's own completion: either outcome, typed, and never a hang. */
    @Test
    void cancelRacingCompletionGivesAValueOrACancellation() throws Exception {
      for (int i = 0; i < 20; i++) {
        ObjectRef<String> r = Glint.task(Fns::sleep, 30L + i).remote();
        Thread.sleep(i * 3L);
        Glint.cancel(r);
        try {
          assertThat(Glint.get(r, 30_000)).isEqualTo("slept " + (30 + i));
        } catch (io.glint.api.exception.TaskCancelledFailure expected) {
          // cancelled in time
        }
      }
    }

    /** A cancelled task whose worker then dies is reported cancelled, never retried. */
    @Test
    void aCancelledTaskWhoseWorkerDiesIsNotRetried() throws Exception {
      for (int i = 0; i < 5; i++) {
        ObjectRef<String> r =
            Glint.task(CancelRaceIT::sleepThenExit, 300L).setMaxRetries(3).remote();
        awaitRunning();
        Glint.cancel(r);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Glint.get(r, 30_000))
            .isInstanceOf(io.glint.api.exception.TaskCancelledFailure.class);
      }
      // And a force cancel of a task whose worker is exiting anyway.
      ObjectRef<String> r = Glint.task(CancelRaceIT::sleepThenExit, 200L).setMaxRetries(3).remote();
      awaitRunning();
      Thread.sleep(190);
      Glint.cancel(r, true);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Glint.get(r, 30_000))
          .isInstanceOf(io.glint.api.exception.TaskCancelledFailure.class);
      assertThat(Glint.get(Glint.task(Fns::square, 3).remote(), 30_000)).isEqualTo(9);
    }

    /** A task being retried after its worker died can still be cancelled. */
    @Test
    void aTaskBetweenRetriesCanBeCancelled() throws Exception {
      ObjectRef<String> r =
          Glint.task(CancelRaceIT::sleepThenExit, 100L).setMaxRetries(-1).remote();
      Thread.sleep(1_500); // a few attempts have died by now
      Glint.cancel(r);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Glint.get(r, 30_000))
          .isInstanceOf(io.glint.api.exception.TaskCancelledFailure.class);
    }

    /** An actor call queued behind a slow one is dropped by cancel; the actor lives on. */
    @Test
    void cancellingAQueuedActorCallKeepsTheActor() {
      ActorHandle<Actors.Recorder> a = Glint.actor(Actors.Recorder::new).remote();
      ObjectRef<String> slow = a.task(Actors.Recorder::slow, 500L).remote();
      ObjectRef<Integer> queued = a.task(Actors.Recorder::record, 7).remote();
      Glint.cancel(queued);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Glint.get(queued, 30_000))
          .isInstanceOf(io.glint.api.exception.TaskCancelledFailure.class);
      Glint.get(slow, 30_000);
      assertThat(Glint.get(a.task(Actors.Recorder::record, 8).remote(), 30_000)).isEqualTo(8);
      ObjectRef<String> slower = a.task(Actors.Recorder::slow, 300L).remote();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Glint.cancel(slower, true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Glint.kill");
      assertThat(Glint.get(slower, 30_000)).isNotNull();
      Glint.cancel(slower); // finished: nothing to do
      Glint.kill(a);
    }

    /** A call running when its actor dies: re-sent when it has retries, else a typed death. */
    @Test
    void aCallRunningWhenTheActorDiesIsRetriedOnlyWithRetriesLeft() {
      ActorHandle<Actors.Counter> retried =
          Glint.actor(Actors.Counter::new).setMaxRestarts(1).setMaxTaskRetries(1).remote();
      assertThat(Glint.get(retried.task(Actors.Counter::increment).remote())).isEqualTo(1);
      long pid = Glint.get(retried.task(Actors.Counter::pid).remote());
      ObjectRef<Integer> inFlight = retried.task(Actors.Counter::increment).remote();
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      // Ran on the old process (value 2, then lost with it) or on the new one (state reset: 1).
      assertThat(Glint.get(inFlight, 60_000)).isIn(1, 2);

      ActorHandle<Actors.Counter> once =
          Glint.actor(Actors.Counter::new).setMaxRestarts(1).remote();
      long pid2 = Glint.get(once.task(Actors.Counter::pid).remote());
      ProcessHandle.of(pid2)
          .ifPresent(
              p -> {
                p.destroyForcibly();
                p.onExit().join();
              });
      // Sent to the dead process before the death was noticed: a typed death; sent after: it
      // waits for the restarted actor. Never a hang, never an untyped error.
      int expected = 1;
      try {
        assertThat(Glint.get(once.task(Actors.Counter::increment).remote(), 60_000)).isEqualTo(1);
        expected = 2;
      } catch (io.glint.api.exception.ActorDiedFailure lost) {
        assertThat(lost.type()).isEqualTo("ActorUnavailableError");
      }
      assertThat(Glint.get(once.task(Actors.Counter::increment).remote(), 60_000))
          .isEqualTo(expected);
    }

    private void awaitRunning() {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (System.nanoTime() < deadline) {
        if (Glint.availableResources().getOrDefault("CPU", 2.0) < 2.0) {
          return;
        }
        Thread.onSpinWait();
      }
    }
  }
}
