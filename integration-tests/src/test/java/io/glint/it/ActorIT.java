package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.exception.ActorDiedFailure;
import io.glint.api.exception.GlintException;
import io.glint.api.exception.TaskFailure;
import io.glint.testing.GlintExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Actor semantics: state, placement in their own process, ordering, concurrency, life and death.
 */
class ActorIT {
  @RegisterExtension
  static final GlintExtension glint = GlintExtension.withCluster(b -> b.cpusPerNode(2));

  @Test
  void actorKeepsStateInItsOwnProcess() {
    ActorHandle<Actors.Counter> c = Glint.actor(Actors.Counter::new, 10).remote();
    long pid = Glint.get(c.task(Actors.Counter::pid).remote());
    assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
    for (int i = 1; i <= 5; i++) {
      assertThat(Glint.get(c.task(Actors.Counter::add, i).remote()))
          .isEqualTo(10 + i * (i + 1) / 2);
    }
    assertThat(Glint.get(c.task(Actors.Counter::pid).remote())).isEqualTo(pid);
    c.kill();
  }

  @Test
  void callsFromOneCallerRunInOrderOneAtATime() {
    ActorHandle<Actors.Recorder> r = Glint.actor(Actors.Recorder::new).remote();
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      refs.add(r.task(Actors.Recorder::record, i).remote());
    }
    Glint.get(refs);
    assertThat(Glint.get(r.task(Actors.Recorder::seen).remote()))
        .isEqualTo(IntStream.range(0, 200).boxed().toList());
    List<ObjectRef<String>> slow = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      slow.add(r.task(Actors.Recorder::slow, 20L).remote());
    }
    Glint.get(slow);
    assertThat(Glint.get(r.task(Actors.Recorder::maxInFlight).remote())).isEqualTo(1);
    r.kill();
  }

  @Test
  void callsWaitingOnPendingRefsKeepTheirOrder() {
    ActorHandle<Actors.Recorder> r = Glint.actor(Actors.Recorder::new).remote();
    ObjectRef<String> gate = Glint.task(Fns::sleep, 300L).remote();
    ObjectRef<Integer> late = Glint.task((String s, Integer v) -> v, gate, 0).remote();
    r.task(Actors.Recorder::record, late).remote();
    r.task(Actors.Recorder::record, 1).remote();
    r.task(Actors.Recorder::record, 2).remote();
    assertThat(Glint.get(r.task(Actors.Recorder::seen).remote())).containsExactly(0, 1, 2);
    r.kill();
  }

  @Test
  void asyncMethodsFreeTheActorThreadWhileTheyWait() {
    ActorHandle<Actors.AsyncService> s = Glint.actor(Actors.AsyncService::new).remote();
    ObjectRef<String> a = s.taskAsync(Actors.AsyncService::await, "a").remote();
    ObjectRef<String> b = s.taskAsync(Actors.AsyncService::await, "b").remote();
    // Single-threaded actor: release can only run because await returned its future at once.
    assertThat(Glint.get(s.task(Actors.AsyncService::release, "go").remote(), 30_000)).isEqualTo(2);
    assertThat(Glint.get(a)).isEqualTo("a:go");
    assertThat(Glint.get(b)).isEqualTo("b:go");
    assertThatThrownBy(() -> Glint.get(s.taskAsync(Actors.AsyncService::failLater).remote()))
        .isInstanceOfSatisfying(
            TaskFailure.class,
            f -> assertThat(f.type()).isEqualTo("java.lang.IllegalArgumentException"));
    s.kill();
  }

  @Test
  void manyActorsSubmittingTasksAllGetWorkers() {
    // More actor processes than carrier threads: starting the tasks' workers must not stall.
    List<ActorHandle<Actors.Submitter>> actors = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      actors.add(Glint.actor(Actors.Submitter::new).setResource("CPU", 0).remote());
    }
    List<ObjectRef<Integer>> sums = new ArrayList<>();
    for (ActorHandle<Actors.Submitter> a : actors) {
      sums.add(a.task(Actors.Submitter::sumOfSquares, 20).remote());
    }
    assertThat(Glint.get(sums, 120_000)).containsOnly(IntStream.range(0, 20).map(i -> i * i).sum());
    actors.forEach(ActorHandle::kill);
  }

  @Test
  void namedActorIsFoundByName() {
    ActorHandle<Actors.Counter> c =
        Glint.actor(Actors.Counter::new).setName("shared-counter").remote();
    Glint.get(c.task(Actors.Counter::increment).remote());
    ActorHandle<Actors.Counter> found =
        Glint.<Actors.Counter>getActor("shared-counter").orElseThrow();
    assertThat(Glint.get(found.task(Actors.Counter::increment).remote())).isEqualTo(2);
    assertThat(Glint.getActor("no-such-actor")).isEmpty();
    assertThatThrownBy(() -> Glint.actor(Actors.Counter::new).setName("shared-counter").remote())
        .isInstanceOf(GlintException.class)
        .hasMessageContaining("already taken");
    c.kill();
  }

  @Test
  void handlesCanBePassedToTasks() {
    ActorHandle<Actors.Counter> c = Glint.actor(Actors.Counter::new).remote();
    assertThat(Glint.get(Glint.task(Actors::bumpTwice, c).remote())).isEqualTo(2);
    assertThat(Glint.get(c.task(Actors.Counter::get).remote())).isEqualTo(2);
    c.kill();
  }

  @Test
  void killedActorFailsLaterCalls() {
    ActorHandle<Actors.Counter> c = Glint.actor(Actors.Counter::new).remote();
    assertThat(Glint.get(c.task(Actors.Counter::increment).remote())).isEqualTo(1);
    Glint.kill(c);
    assertThatThrownBy(() -> Glint.get(c.task(Actors.Counter::increment).remote(), 30_000))
        .isInstanceOfSatisfying(
            ActorDiedFailure.class, f -> assertThat(f.getMessage()).contains("killed"));
  }

  @Test
  void failingConstructorMakesTheActorDead() {
    ActorHandle<Actors.Broken> b = Glint.actor(Actors.Broken::new, "no model file").remote();
    assertThatThrownBy(() -> Glint.get(b.task(Actors.Broken::ping).remote(), 30_000))
        .isInstanceOfSatisfying(
            ActorDiedFailure.class,
            f -> {
              assertThat(f.type()).isEqualTo("java.lang.IllegalStateException");
              assertThat(f.getMessage()).contains("no model file");
              assertThat(f.remoteStackTrace()).contains("Broken.<init>");
            });
  }

  @Test
  void actorProcessDeathIsReportedAndRestartsAreHonoured() {
    ActorHandle<Actors.Counter> once = Glint.actor(Actors.Counter::new).remote();
    once.task(Actors.Counter::exit).remote();
    assertThatThrownBy(() -> Glint.get(once.task(Actors.Counter::get).remote(), 30_000))
        .isInstanceOf(ActorDiedFailure.class);

    ActorHandle<Actors.Counter> restarting =
        Glint.actor(Actors.Counter::new, 5).setMaxRestarts(1).remote();
    long firstPid = Glint.get(restarting.task(Actors.Counter::pid).remote());
    Glint.get(restarting.task(Actors.Counter::increment).remote());
    restarting.task(Actors.Counter::exit).remote();
    // After the restart the constructor ran again: state is fresh, the process is new.
    long secondPid = -1;
    for (int attempt = 0; attempt < 50 && secondPid < 0; attempt++) {
      try {
        secondPid = Glint.get(restarting.task(Actors.Counter::pid).remote(), 30_000);
      } catch (ActorDiedFailure e) {
        assertThat(e.type()).isEqualTo("ActorUnavailableError"); // the call raced the death
      }
    }
    assertThat(secondPid).isPositive().isNotEqualTo(firstPid);
    assertThat(Glint.get(restarting.task(Actors.Counter::get).remote())).isEqualTo(5);
    restarting.kill();
  }

  @Test
  void jvmOptionsReachTheActorsProcess() {
    ActorHandle<Actors.Counter> c =
        Glint.actor(Actors.Counter::new).setJvmOptions("-Dglint.test.flag=on").remote();
    ObjectRef<String> flag =
        c.task((Actors.Counter self) -> System.getProperty("glint.test.flag", "unset")).remote();
    assertThat(Glint.get(flag)).isEqualTo("on");
    c.kill();
  }
}
