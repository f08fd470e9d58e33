package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.testing.GlintExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A burst of tasks leaves lease requests outstanding that the submitter cancels once its queue is
 * empty. A task submitted while those cancellations are in flight must still get a worker: it once
 * waited for replies that said "cancelled" and then sat in the queue with nobody asking for a
 * lease.
 */
class LeaseRequestsIT {
  // Idle leases go back at once, so the next task needs a fresh lease every time.
  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(b -> b.cpusPerNode(2).leaseIdleMs(0));

  @Test
  void aTaskAfterABurstIsNotStrandedByCancelledLeaseRequests() {
    for (int round = 0; round < 60; round++) {
      List<ObjectRef<Integer>> burst = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        burst.add(Glint.task(Fns::square, i).remote());
      }
      // Submitted while the burst still runs, then again right after it drained.
      ObjectRef<Integer> during = Glint.task(Fns::square, -1).remote();
      Glint.get(burst, 60_000);
      ObjectRef<Integer> after = Glint.task(Fns::square, round).remote();
      assertThat(Glint.get(during, 20_000)).isEqualTo(1);
      assertThat(Glint.get(after, 20_000)).as("round %d", round).isEqualTo(round * round);
    }
  }
}
