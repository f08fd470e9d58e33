package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.PlacementGroup;
import io.glint.api.PlacementGroups;
import io.glint.api.PlacementStrategy;
import io.glint.api.exception.GetTimeoutException;
import io.glint.testing.GlintExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Resource requests: defaults, custom resources, fractions, GPUs, infeasible requests. */
class ResourcesIT {
  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(b -> b.cpusPerNode(4).gpusPerNode(2).resource("slot", 1));

  @Test
  void aCustomResourceLimitsConcurrency() {
    ActorHandle<Actors.Recorder> tracker =
        Glint.actor(Actors.Recorder::new).setMaxConcurrency(8).remote();
    List<ObjectRef<String>> refs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      refs.add(
          Glint.task(ResourcesIT::trackedSleep, tracker, 150L).setResource("slot", 1).remote());
    }
    Glint.get(refs, 60_000);
    // Only one "slot" exists: the four tasks ran one after another.
    assertThat(Glint.get(tracker.task(Actors.Recorder::maxInFlight).remote())).isEqualTo(1);
    tracker.kill();
  }

  @Test
  void fractionalResourcesShareAUnit() {
    ActorHandle<Actors.Barrier> barrier =
        Glint.actor(Actors.Barrier::new, 2).setMaxConcurrency(2).remote();
    List<ObjectRef<Boolean>> refs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      refs.add(
          Glint.task(ResourcesIT::arriveAt, barrier)
              .setResource("slot", 0.5)
              .setResource("CPU", 0.5)
              .remote());
    }
    // Both halves of the single slot were held at once.
    assertThat(Glint.get(refs, 60_000)).containsOnly(true);
    barrier.kill();
  }

  @Test
  void gpuTasksGetDistinctGpuIds() {
    ObjectRef<List<Integer>> a = Glint.task(Fns::gpuIds).setResource("GPU", 1).remote();
    ObjectRef<List<Integer>> b = Glint.task(Fns::gpuIds).setResource("GPU", 2).remote();
    assertThat(Glint.get(a)).hasSize(1);
    assertThat(Glint.get(b)).containsExactlyInAnyOrder(0, 1);
  }

  @Test
  void workInAGpuBundleGetsTheBundlesGpus() {
    Map<String, Double> gpuBundle = Map.of("CPU", 1.0, "GPU", 1.0);
    PlacementGroup pg =
        PlacementGroups.createPlacementGroup(
            List.of(gpuBundle, gpuBundle), PlacementStrategy.STRICT_PACK);
    assertThat(pg.wait(60)).isTrue();
    List<Integer> first =
        Glint.get(
            Glint.task(Fns::gpuIds).setResource("GPU", 1).setPlacementGroup(pg, 0).remote(),
            60_000);
    List<Integer> second =
        Glint.get(
            Glint.task(Fns::gpuIds).setResource("GPU", 1).setPlacementGroup(pg, 1).remote(),
            60_000);
    assertThat(first).hasSize(1);
    assertThat(second).hasSize(1).doesNotContainAnyElementsOf(first);
    // Bundle 0 keeps its GPU: the next task in it gets the same one.
    assertThat(
            Glint.get(
                Glint.task(Fns::gpuIds).setResource("GPU", 1).setPlacementGroup(pg, 0).remote(),
                60_000))
        .isEqualTo(first);
    // The group holds both GPUs: a GPU task outside it waits until the group is removed.
    ObjectRef<List<Integer>> outside = Glint.task(Fns::gpuIds).setResource("GPU", 1).remote();
    assertThatThrownBy(() -> Glint.get(outside, 1_000)).isInstanceOf(GetTimeoutException.class);
    PlacementGroups.removePlacementGroup(pg);
    assertThat(Glint.get(outside, 60_000)).hasSize(1);
  }

  @Test
  void anInfeasibleRequestStaysPendingAndTheTimeoutSaysWhy() {
    ObjectRef<Integer> ref = Glint.task(Fns::square, 3).setResource("CPU", 8).remote();
    assertThatThrownBy(() -> Glint.get(ref, 500))
        .isInstanceOf(GetTimeoutException.class)
        .hasMessageContaining("no node of the cluster has 8 CPU")
        .hasMessageContaining("the largest has 4 CPU");
    Glint.cancel(ref);
  }

  @Test
  void actorsHoldNoCpuWhileRunningUnlessAsked() {
    List<ActorHandle<Actors.Counter>> actors = new ArrayList<>();
    for (int i = 0; i < 6; i++) { // more actors than CPUs
      actors.add(Glint.actor(Actors.Counter::new).remote());
    }
    for (ActorHandle<Actors.Counter> a : actors) {
      assertThat(Glint.get(a.task(Actors.Counter::increment).remote(), 60_000)).isEqualTo(1);
    }
    assertThat(Glint.availableResources().get("CPU")).isEqualTo(4.0);
    ActorHandle<Actors.Counter> heavy =
        Glint.actor(Actors.Counter::new).setResource("CPU", 2).remote();
    Glint.get(heavy.task(Actors.Counter::increment).remote(), 60_000);
    assertThat(Glint.availableResources().get("CPU")).isEqualTo(2.0);
    actors.forEach(ActorHandle::kill);
    heavy.kill();
  }

  public static String trackedSleep(ActorHandle<Actors.Recorder> tracker, long millis) {
    return Glint.get(tracker.task(Actors.Recorder::slow, millis).remote());
  }

  public static boolean arriveAt(ActorHandle<Actors.Barrier> barrier) {
    return Glint.get(barrier.task(Actors.Barrier::arrive).remote());
  }
}
