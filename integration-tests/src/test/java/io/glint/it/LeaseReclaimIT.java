package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.testing.GlintExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leases held by a process that dies go back to the node. */
class LeaseReclaimIT {
  // Submitters keep idle leases for 5 s here, so killed actors certainly still hold theirs.
  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(b -> b.cpusPerNode(2).leaseIdleMs(5_000));

  @Test
  void leasesOfAKilledActorAreTakenBack() {
    List<ActorHandle<Actors.Submitter>> actors = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      actors.add(Glint.actor(Actors.Submitter::new).setResource("CPU", 0).remote());
    }
    List<ObjectRef<Integer>> sums = new ArrayList<>();
    for (ActorHandle<Actors.Submitter> a : actors) {
      sums.add(a.task(Actors.Submitter::sumOfSquares, 10).remote());
    }
    Glint.get(sums, 60_000);
    // Both CPUs are now leased by the actors, idle, for the next 5 s.
    actors.forEach(ActorHandle::kill);
    long deadline = System.nanoTime() + 4_000_000_000L; // well inside the linger
    while (Glint.availableResources().getOrDefault("CPU", 0.0) < 2.0
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(Glint.availableResources().getOrDefault("CPU", 0.0)).isEqualTo(2.0);
    assertThat(Glint.get(Glint.task(Fns::square, 3).remote(), 30_000)).isEqualTo(9);
  }
}
