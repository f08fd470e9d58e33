package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.InitOptions;
import io.glint.api.PlacementGroup;
import io.glint.api.PlacementGroups;
import io.glint.api.PlacementStrategy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An actor placed with {@code captureChildTasks} keeps its tasks in its placement group, also those
 * submitted from threads of its own (where no task is running): the group holds every CPU here, so
 * a task that escaped it would wait forever.
 */
class PlacementGroupCaptureIT {
  public static int doubled(int x) {
    return 2 * x;
  }

  /** Submits a 1-CPU task, from its call or from a thread it starts. */
  public static final class Submitter {
    public int fromCall() throws Exception {
      return Glint.get(
          Glint.task(PlacementGroupCaptureIT::doubled, 21).setResource("CPU", 1).remote(), 30_000);
    }

    public int fromThread() throws Exception {
      AtomicInteger out = new AtomicInteger();
      Thread t =
          new Thread(
              () -> {
                try {
                  out.set(fromCall());
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      t.start();
      t.join();
      return out.get();
    }
  }

  @Test
  void anActorsOwnThreadsStayInItsGroup() {
    Glint.init(InitOptions.builder().numCpus(2).logToDriver(false).build());
    try {
      PlacementGroup pg =
          PlacementGroups.createPlacementGroup(
              List.of(Map.of("CPU", 1.0), Map.of("CPU", 1.0)), PlacementStrategy.PACK);
      ActorHandle<Submitter> a =
          Glint.actor(Submitter::new).setResource("CPU", 1).setPlacementGroup(pg, 0, true).remote();
      assertThat(Glint.get(a.task(Submitter::fromCall).remote(), 60_000)).isEqualTo(42);
      assertThat(Glint.get(a.task(Submitter::fromThread).remote(), 60_000)).isEqualTo(42);
    } finally {
      Glint.shutdown();
    }
  }
}
