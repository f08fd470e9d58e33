package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.exception.ActorDiedFailure;
import io.glint.api.exception.TaskCancelledFailure;
import io.glint.api.exception.TaskFailure;
import io.glint.api.exception.WorkerCrashedFailure;
import io.glint.testing.GlintExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Worker death, retries and cancellation. */
class FaultToleranceIT {
  @RegisterExtension
  static final GlintExtension glint = GlintExtension.withCluster(b -> b.cpusPerNode(2));

  @TempDir Path tmp;

  /**
   * Ray's rule for {@code maxRestarts=1, maxTaskRetries=1}: after the first death the actor is
   * created again (its constructor runs, its state starts over) and the call that was running is
   * sent again; after the second, calls fail with a typed death that says why.
   */
  @Test
  void anActorKilledTwiceRestartsOnceThenFailsTyped() throws Exception {
    ActorHandle<Actors.Counter> a =
        Glint.actor(Actors.Counter::new, 100).setMaxRestarts(1).setMaxTaskRetries(1).remote();
    assertThat(Glint.get(a.task(Actors.Counter::increment).remote())).isEqualTo(101);
    long first = Glint.get(a.task(Actors.Counter::pid).remote());
    ObjectRef<Integer> inFlight = a.task(Actors.Counter::incrementAfter, 1500L).remote();
    Thread.sleep(300);
    ProcessHandle.of(first).ifPresent(FaultToleranceIT::killAndWait);
    // Re-sent to the new incarnation, whose constructor ran again: 100 + 1, not 102.
    assertThat(Glint.get(inFlight, 60_000)).isEqualTo(101);
    assertThat(Glint.get(a.task(Actors.Counter::increment).remote())).isEqualTo(102);
    long second = Glint.get(a.task(Actors.Counter::pid).remote());
    assertThat(second).isNotEqualTo(first);

    ProcessHandle.of(second).ifPresent(FaultToleranceIT::killAndWait);
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    ActorDiedFailure died = null;
    while (died == null && System.nanoTime() < deadline) {
      try {
        Glint.get(a.task(Actors.Counter::increment).remote(), 30_000);
        Thread.sleep(100); // sent before the death was noticed; try again
      } catch (ActorDiedFailure f) {
        died = f;
      }
    }
    assertThat(died).as("calls after the second death fail with ActorDiedFailure").isNotNull();
    assertThat(died.type()).isIn("ActorDiedError", "ActorUnavailableError");
    // Eventually the death names its cause: the process exited, after its one restart.
    ActorDiedFailure last = null;
    try {
      Glint.get(a.task(Actors.Counter::increment).remote(), 30_000);
    } catch (ActorDiedFailure f) {
      last = f;
    }
    assertThat(last).isNotNull();
    assertThat(last.type()).isEqualTo("ActorDiedError");
    assertThat(last.getMessage()).contains("after 1 restarts").contains("exited");
  }

  private static void killAndWait(ProcessHandle p) {
    p.destroyForcibly();
    p.onExit().join();
  }

  @Test
  void workerDeathIsRetriedThenReportedAsCrash() {
    ObjectRef<Integer> ref = Glint.task(Fns::exitProcess, 7).setMaxRetries(2).remote();
    assertThatThrownBy(() -> Glint.get(ref, 60_000))
        .isInstanceOfSatisfying(
            WorkerCrashedFailure.class,
            f -> {
              assertThat(f.isRetryable()).isTrue();
              assertThat(f.getMessage()).contains("retries were used");
            });
  }

  @Test
  void aRetriedTaskCanSucceedOnANewWorker() {
    String marker = tmp.resolve("exited-once").toString();
    assertThat(Glint.get(Glint.task(Fns::exitOnce, marker).remote(), 60_000))
        .isEqualTo("recovered");
    assertThat(Files.exists(Path.of(marker))).isTrue();
  }

  @Test
  void noRetriesMeansTheFirstCrashFails() {
    ObjectRef<Integer> ref = Glint.task(Fns::exitProcess, 1).setMaxRetries(0).remote();
    assertThatThrownBy(() -> Glint.get(ref, 60_000)).isInstanceOf(WorkerCrashedFailure.class);
  }

  @Test
  void applicationErrorsAreRetriedOnlyWhenAsked() {
    // Without retryExceptions an exception fails at once.
    assertThatThrownBy(() -> Glint.get(Glint.task(Fns::fail, "x").setMaxRetries(5).remote()))
        .isInstanceOf(TaskFailure.class);
  }

  @Test
  void cancellingARunningTaskInterruptsIt() throws Exception {
    Path marker = tmp.resolve("not-interrupted");
    ObjectRef<String> ref = Glint.task(Fns::sleepThenMark, 3_000L, marker.toString()).remote();
    waitUntilRunning();
    Glint.cancel(ref);
    assertThatThrownBy(() -> Glint.get(ref, 30_000)).isInstanceOf(TaskCancelledFailure.class);
    Thread.sleep(3_500);
    assertThat(Files.exists(marker)).as("the task kept running after cancel").isFalse();
  }

  @Test
  void forceCancelKillsTheWorker() {
    ObjectRef<Long> pid = Glint.task(Fns::pid).remote();
    Glint.get(pid);
    ObjectRef<String> ref = Glint.task(Fns::sleep, 60_000L).setMaxRetries(3).remote();
    waitUntilRunning();
    Glint.cancel(ref, true);
    assertThatThrownBy(() -> Glint.get(ref, 30_000)).isInstanceOf(TaskCancelledFailure.class);
  }

  @Test
  void cancellingQueuedTasksDropsThem() {
    List<ObjectRef<String>> blockers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      blockers.add(Glint.task(Fns::sleep, 1_000L).remote());
    }
    List<ObjectRef<String>> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queued.add(Glint.task(Fns::sleep, 1_000L).remote());
    }
    queued.forEach(Glint::cancel);
    for (ObjectRef<String> q : queued) {
      assertThatThrownBy(() -> Glint.get(q, 30_000)).isInstanceOf(TaskCancelledFailure.class);
    }
    assertThat(Glint.get(blockers, 30_000)).containsOnly("slept 1000");
    // Cancelling a finished task does nothing.
    Glint.cancel(blockers.get(0));
    assertThat(Glint.get(blockers.get(0))).isEqualTo("slept 1000");
  }

  /** Waits until a worker holds a CPU lease, i.e. the task is running. */
  private static void waitUntilRunning() {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (Glint.availableResources().getOrDefault("CPU", 0.0) >= 2.0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the task never started");
      }
      Thread.onSpinWait();
    }
  }
}
