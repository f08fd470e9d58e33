package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.ActorHandle;
import io.glint.api.ActorLifetime;
import io.glint.api.Glint;
import io.glint.api.NodeInfo;
import io.glint.api.ObjectRef;
import io.glint.testing.RedisServer;
import io.glint.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control service killed (kill -9) and started again on the same storage mid-workload, once
 * with the embedded MVStore file and once with Redis: the nodes and the driver reconnect by
 * themselves, the running work completes, a detached named actor is found by name with its state,
 * and an actor whose worker died while the service was down is noticed and restarted.
 */
class ControlRestartIT {
  @TempDir Path tmp;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void theClusterSurvivesARestartOnTheEmbeddedStore() throws Exception {
    Path file = tmp.resolve("control").resolve("state.mv");
    survivesRestart(file.toString());
    assertThat(Files.size(file)).isPositive();
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void theClusterSurvivesARestartOnRedis() throws Exception {
    try (RedisServer redis = RedisServer.start(tmp.resolve("redis"))) {
      survivesRestart(redis.uri("restart-it"));
    }
  }

  private static void survivesRestart(String storage) throws Exception {
    try (TestCluster cluster =
        TestCluster.builder()
            .controlProcess(storage)
            .nodes(2)
            .cpusPerNode(2)
            .nodeTimeoutMs(20_000)
            .logToDriver(false)
            .start()) {
      ActorHandle<Actors.Counter> keeper =
          Glint.actor(Actors.Counter::new)
              .setName("keeper")
              .setLifetime(ActorLifetime.DETACHED)
              .remote();
      for (int i = 0; i < 5; i++) {
        Glint.get(keeper.task(Actors.Counter::increment).remote());
      }
      ActorHandle<Actors.Counter> fragile =
          Glint.actor(Actors.Counter::new).setMaxRestarts(1).setMaxTaskRetries(1).remote();
      assertThat(Glint.get(fragile.task(Actors.Counter::add, 10).remote())).isEqualTo(10);
      long fragilePid = Glint.get(fragile.task(Actors.Counter::pid).remote());

      List<ObjectRef<String>> running = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        running.add(Glint.task(Fns::sleep, 200L).remote());
      }
      cluster.killControl();
      // While it is down: more work is submitted, and an actor's worker dies unseen.
      for (int i = 0; i < 8; i++) {
        running.add(Glint.task(Fns::sleep, 50L).remote());
      }
      ProcessHandle.of(fragilePid).ifPresent(ProcessHandle::destroyForcibly);
      List<ObjectRef<Integer>> squares = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        squares.add(Glint.task(Fns::square, i).remote());
      }
      Thread.sleep(1500);
      cluster.restartControl();

      assertThat(Glint.get(running, 120_000)).hasSize(32).allMatch(s -> s.startsWith("slept"));
      List<Integer> got = Glint.get(squares, 60_000);
      for (int i = 0; i < 20; i++) {
        assertThat(got.get(i)).isEqualTo(i * i);
      }

      // The detached actor, found by name, kept its state.
      ActorHandle<Actors.Counter> found = Glint.<Actors.Counter>getActor("keeper").orElseThrow();
      assertThat(Glint.get(found.task(Actors.Counter::increment).remote())).isEqualTo(6);

      // The actor whose worker died while the service was down was re-created (state anew).
      assertThat(Glint.get(fragile.task(Actors.Counter::add, 1).remote(), 60_000)).isEqualTo(1);
      assertThat(Glint.get(fragile.task(Actors.Counter::pid).remote())).isNotEqualTo(fragilePid);

      // New actors and both nodes work as before.
      ActorHandle<Actors.Counter> fresh = Glint.actor(Actors.Counter::new).remote();
      assertThat(Glint.get(fresh.task(Actors.Counter::increment).remote())).isEqualTo(1);
      assertThat(Glint.nodes().stream().filter(NodeInfo::alive).count()).isEqualTo(2);
      Glint.kill(keeper);

      // What the restarted service says it did (its log is appended across both runs).
      String log = Files.readString(cluster.logDir().resolve("control.log"));
      assertThat(log).contains("recovered from").contains("2 nodes");
      assertThat(log).contains("died while the control service was down");
    }
  }
}
