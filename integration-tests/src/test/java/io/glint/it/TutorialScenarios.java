package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.WaitResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The Ray core tutorial's examples (tasks, actors, object store) in Glint's Java terms; each
 * subclass runs them on a cluster of its own shape.
 */
abstract class TutorialScenarios {
  @Test
  void squareOfFourIsSixteen() {
    ObjectRef<Integer> ref = Glint.task(Fns::square, 4).remote();
    assertThat(Glint.get(ref)).isEqualTo(16);
  }

  @Test
  void thousandSquares() {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      refs.add(Glint.task(Fns::square, i).remote());
    }
    assertThat(Glint.get(refs))
        .isEqualTo(IntStream.range(0, 1000).map(i -> i * i).boxed().toList());
  }

  @Test
  void waitReturnsTenReadyAndTheRestPending() {
    // 10 fast tasks and 10 that cannot finish within the wait's timeout (20 s: workers of a
    // cold multi-node cluster on a loaded machine take seconds to start).
    List<ObjectRef<String>> refs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      refs.add(Glint.task(Fns::sleep, 0L).remote());
    }
    List<ObjectRef<String>> slow = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      slow.add(Glint.task(Fns::sleep, 60_000L).setName("slow-" + i).remote());
    }
    List<ObjectRef<String>> all = new ArrayList<>(slow.subList(0, 5));
    all.addAll(refs);
    all.addAll(slow.subList(5, 10));

    WaitResult<String> r = Glint.wait(all, 10, 20_000);

    assertThat(r.getReady()).containsExactlyElementsOf(refs); // input order, exactly 10
    assertThat(r.getUnready()).containsExactlyInAnyOrderElementsOf(slow);
    for (ObjectRef<String> ready : r.getReady()) {
      assertThat(Glint.get(ready)).isEqualTo("slept 0");
    }
    slow.forEach(s -> Glint.cancel(s, true));
  }

  @Test
  void counterActorReturnsTwoAfterTwoIncrements() {
    ActorHandle<Actors.Counter> counter = Glint.actor(Actors.Counter::new).remote();
    counter.task(Actors.Counter::increment).remote();
    counter.task(Actors.Counter::increment).remote();
    assertThat(Glint.get(counter.task(Actors.Counter::get).remote())).isEqualTo(2);
    counter.kill();
  }

  @Test
  void maxConcurrencyTenServesTenCallsAtOnce() {
    ActorHandle<Actors.Barrier> server =
        Glint.actor(Actors.Barrier::new, 10).setMaxConcurrency(10).remote();
    List<ObjectRef<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(server.task(Actors.Barrier::arrive).remote());
    }
    // Each call returns true only if all 10 were inside the actor at the same time.
    assertThat(Glint.get(calls)).containsOnly(true).hasSize(10);
    assertThat(Glint.get(server.task(Actors.Barrier::maxInFlight).remote())).isEqualTo(10);
    server.kill();
  }

  @Test
  void onePutOfALargeArrayPassedToHundredTasks() {
    double[] large = new Random(7).doubles(10_000_000 / 10).toArray();
    double expected = Fns.sum(large);
    ObjectRef<double[]> ref = Glint.put(large);
    List<ObjectRef<Double>> sums = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      sums.add(Glint.task(Fns::sum, ref).remote());
    }
    assertThat(Glint.get(sums)).hasSize(100).containsOnly(expected);
  }
}
