package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.PlacementGroup;
import io.glint.api.PlacementGroupCreationOptions;
import io.glint.api.PlacementGroups;
import io.glint.api.PlacementStrategy;
import io.glint.api.exception.ActorDiedFailure;
import io.glint.api.exception.GetTimeoutException;
import io.glint.testing.TestCluster;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Placement groups on three 4-CPU node processes: gang reservation, strategies, isolation. */
class PlacementGroupIT {
  static TestCluster cluster;

  @BeforeAll
  static void start() {
    cluster =
        TestCluster.builder()
            .nodeProcesses(true)
            .nodes(3)
            .cpusPerNode(4)
            .nodeTimeoutMs(3_000)
            .objectStoreMemory(128L << 20)
            .logToDriver(false)
            .start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Reports the node it lives on. */
  public static final class Where {
    public Where() {}

    public String node() {
      return Glint.getRuntimeContext().getNodeId();
    }
  }

  public static String nodeOf() {
    return Glint.getRuntimeContext().getNodeId();
  }

  /** Runs a child task (which inherits the group when captured) and returns its node. */
  public static String parentOf() {
    return Glint.get(Glint.task(PlacementGroupIT::nodeOf).remote(), 60_000);
  }

  private static List<Map<String, Double>> bundles(int n, double cpus) {
    List<Map<String, Double>> b = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      b.add(Map.of("CPU", cpus));
    }
    return b;
  }

  private static PlacementGroups.TableEntry entry(PlacementGroup pg) {
    return PlacementGroups.placementGroupTable().stream()
        .filter(e -> e.id().equals(pg.id()))
        .findFirst()
        .orElseThrow();
  }

  private static void awaitCpus(double cpus) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Glint.availableResources().getOrDefault("CPU", 0.0) < cpus) {
      assertThat(System.nanoTime()).as("CPUs back to %s", cpus).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void theSeedsExampleReservesThreeNodesAndPinsAnActorToEachBundle() throws Exception {
    awaitCpus(12);
    // Three bundles of 4 CPUs, PACK: no node holds all three, so PACK must use several nodes.
    PlacementGroup pg = PlacementGroups.createPlacementGroup(bundles(3, 4), PlacementStrategy.PACK);
    assertThat(Glint.get(pg.ready(), 60_000)).isTrue();
    PlacementGroups.TableEntry e = entry(pg);
    assertThat(e.state()).isEqualTo(PlacementGroups.State.CREATED);
    assertThat(new HashSet<>(e.bundleNodeIds())).hasSize(3);
    List<ActorHandle<Where>> actors = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      actors.add(Glint.actor(Where::new).setPlacementGroup(pg, i).remote());
    }
    for (int i = 0; i < 3; i++) {
      assertThat(Glint.get(actors.get(i).task(Where::node).remote(), 60_000))
          .isEqualTo(e.bundleNodeIds().get(i));
    }
    // The group holds every CPU: work outside it waits...
    ObjectRef<String> outside = Glint.task(PlacementGroupIT::nodeOf).remote();
    assertThatThrownBy(() -> Glint.get(outside, 1_500)).isInstanceOf(GetTimeoutException.class);
    // ...work inside it runs, and a captured child of it too.
    assertThat(
            Glint.get(
                Glint.task(PlacementGroupIT::nodeOf).setPlacementGroup(pg, 1).remote(), 60_000))
        .isEqualTo(e.bundleNodeIds().get(1));
    assertThat(
            Glint.get(
                Glint.task(PlacementGroupIT::parentOf).setPlacementGroup(pg, 2, true).remote(),
                60_000))
        .isIn(e.bundleNodeIds());
    // Asking more than a bundle holds is refused at submit, naming both shapes.
    assertThatThrownBy(
            () ->
                Glint.task(PlacementGroupIT::nodeOf)
                    .setResource("CPU", 5)
                    .setPlacementGroup(pg, 0)
                    .remote())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("5 CPU")
        .hasMessageContaining("4 CPU");
    // Removal ends the group's actors (as in Ray, they are told to end when removal returns, and
    // calls fail once they have) and gives the CPUs back; the waiting task then runs.
    PlacementGroups.removePlacementGroup(pg);
    assertThat(entry(pg).state()).isEqualTo(PlacementGroups.State.REMOVED);
    long deadline = System.nanoTime() + 30_000_000_000L;
    Throwable died = null;
    while (died == null && System.nanoTime() < deadline) {
      try {
        Glint.get(actors.get(0).task(Where::node).remote(), 30_000);
        Thread.sleep(50);
      } catch (ActorDiedFailure failure) {
        died = failure;
      }
    }
    assertThat(died).isNotNull().hasMessageContaining("placement group was removed");
    assertThat(Glint.get(outside, 60_000)).isNotEmpty();
    awaitCpus(12);
    assertThat(entry(pg).state()).isEqualTo(PlacementGroups.State.REMOVED);
  }

  @Test
  void eachStrategyPlacesItsBundlesAsPromised() throws Exception {
    awaitCpus(12);
    PlacementGroup strictPack =
        PlacementGroups.createPlacementGroup(bundles(3, 1), PlacementStrategy.STRICT_PACK);
    PlacementGroup spread =
        PlacementGroups.createPlacementGroup(bundles(3, 1), PlacementStrategy.SPREAD);
    assertThat(strictPack.wait(60)).isTrue();
    assertThat(spread.wait(60)).isTrue();
    assertThat(new HashSet<>(entry(strictPack).bundleNodeIds())).hasSize(1);
    assertThat(new HashSet<>(entry(spread).bundleNodeIds())).hasSize(3);
    PlacementGroups.removePlacementGroup(strictPack);
    PlacementGroups.removePlacementGroup(spread);

    PlacementGroup named =
        PlacementGroups.createPlacementGroup(
            PlacementGroupCreationOptions.builder()
                .setBundles(bundles(4, 1))
                .setStrategy(PlacementStrategy.STRICT_SPREAD)
                .setName("four-ways")
                .build());
    // Four bundles, one node each: three nodes cannot hold it.
    assertThat(named.waitMillis(1_500)).isFalse();
    PlacementGroups.TableEntry pending = entry(named);
    assertThat(pending.state()).isEqualTo(PlacementGroups.State.PENDING);
    assertThat(pending.pendingReason()).contains("STRICT_SPREAD");
    assertThat(PlacementGroups.getPlacementGroup("four-ways")).isPresent();
    var fourth = cluster.addNodeProcessNow();
    assertThat(named.wait(60)).isTrue();
    assertThat(new HashSet<>(entry(named).bundleNodeIds())).hasSize(4).contains(fourth.nodeIdHex());
    PlacementGroups.removePlacementGroup(named);
    fourth.close();
  }

  /** Reports its node and process, so a test can tell it was not restarted. */
  public static final class Resident {
    public Resident() {}

    public String where() {
      return Glint.getRuntimeContext().getNodeId() + "/" + ProcessHandle.current().pid();
    }
  }

  private static PlacementGroups.TableEntry awaitState(
      PlacementGroup pg, PlacementGroups.State state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    PlacementGroups.TableEntry e = entry(pg);
    while (e.state() != state) {
      assertThat(System.nanoTime())
          .as("group %s reaches %s: %s", pg.id(), state, e)
          .isLessThan(deadline);
      Thread.sleep(100);
      e = entry(pg);
    }
    return e;
  }

  @Test
  void bundlesOfADeadNodeArePlacedAgainWhileTheOthersStay() throws Exception {
    awaitCpus(12);
    var doomed = cluster.addNodeProcessNow();
    PlacementGroup pg =
        PlacementGroups.createPlacementGroup(bundles(4, 1), PlacementStrategy.STRICT_SPREAD);
    assertThat(pg.wait(60)).isTrue();
    List<String> before = entry(pg).bundleNodeIds();
    int lost = before.indexOf(doomed.nodeIdHex());
    int stays = (lost + 1) % 4;
    ActorHandle<Resident> resident =
        Glint.actor(Resident::new).setPlacementGroup(pg, stays).remote();
    String home = Glint.get(resident.task(Resident::where).remote(), 60_000);

    doomed.kill();
    PlacementGroups.TableEntry rescheduling = awaitState(pg, PlacementGroups.State.RESCHEDULING);
    // Three nodes cannot hold four STRICT_SPREAD bundles: it waits, saying why.
    assertThat(rescheduling.pendingReason()).contains("STRICT_SPREAD");
    var replacement = cluster.addNodeProcessNow();
    List<String> after = awaitState(pg, PlacementGroups.State.CREATED).bundleNodeIds();
    assertThat(after.get(lost)).isEqualTo(replacement.nodeIdHex());
    for (int i = 0; i < 4; i++) {
      if (i != lost) {
        assertThat(after.get(i)).as("bundle %d stays", i).isEqualTo(before.get(i));
      }
    }
    // The actor in a bundle that stayed kept running, in the same process.
    assertThat(Glint.get(resident.task(Resident::where).remote(), 60_000)).isEqualTo(home);
    PlacementGroups.removePlacementGroup(pg);
    replacement.close();
  }
}
