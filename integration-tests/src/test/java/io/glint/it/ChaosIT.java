package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.exception.GetTimeoutException;
import io.glint.api.exception.RemoteFailure;
import io.glint.testing.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A seeded chaos run (Ray's chaos release tests, sized for CI): a 1,000-task workload with nested
 * tasks, stored objects and actors on four node daemon processes while workers are killed at random
 * and one node daemon is killed (kill -9). Every result is right or a typed failure; at least 95%
 * succeed; nothing hangs. Replay a run with {@code -Dglint.chaos.seed=N}.
 */
class ChaosIT {
  static TestCluster cluster;

  @BeforeAll
  static void start() {
    cluster =
        TestCluster.builder()
            .nodeProcesses(true)
            .nodes(4)
            .cpusPerNode(2)
            .objectStoreMemory(128L << 20)
            .nodeTimeoutMs(3_000)
            .logToDriver(false)
            .start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  public static int square(int x) throws InterruptedException {
    Thread.sleep(20);
    return x * x;
  }

  public static int slowSquare(int x) throws InterruptedException {
    Thread.sleep(300);
    return x * x;
  }

  /** A stored object (over the inline limit), every byte {@code fill}. */
  public static byte[] block(int fill) throws InterruptedException {
    Thread.sleep(20);
    byte[] b = new byte[256 << 10];
    java.util.Arrays.fill(b, (byte) fill);
    return b;
  }

  public static long checksum(byte[] block) {
    long s = 0;
    for (byte b : block) {
      s += b;
    }
    return s;
  }

  /** A task with two children of its own. */
  public static int fanOut(int x) {
    return Glint.get(Glint.task(ChaosIT::square, x).remote(), 120_000)
        + Glint.get(Glint.task(ChaosIT::square, x + 1).remote(), 120_000);
  }

  /** Stateless, so a restarted incarnation answers the same. */
  public static final class Doubler {
    public Doubler() {}

    public int twice(int x) throws InterruptedException {
      Thread.sleep(10);
      return 2 * x;
    }
  }

  private static final int MAX_WORKER_KILLS = 40;

  private static void copyLogs() {
    try {
      java.nio.file.Path to = java.nio.file.Path.of("target", "chaos-logs");
      org.assertj.core.util.Files.delete(to.toFile());
    } catch (RuntimeException ignored) {
      // none yet
    }
    try (var files = java.nio.file.Files.walk(cluster.logDir())) {
      for (var f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
        var dest =
            java.nio.file.Path.of("target", "chaos-logs").resolve(cluster.logDir().relativize(f));
        java.nio.file.Files.createDirectories(dest.getParent());
        java.nio.file.Files.copy(f, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (java.io.IOException e) {
      System.out.println("cannot copy logs: " + e);
    }
  }

  private record Expectation(ObjectRef<?> ref, Object expected) {}

  @Test
  void aWorkloadUnderRandomKillsGivesRightAnswersOrTypedFailures() throws Exception {
    long seed = Long.getLong("glint.chaos.seed", System.nanoTime());
    System.out.println("chaos seed: " + seed + " (replay with -Dglint.chaos.seed=" + seed + ")");
    Random random = new Random(seed);

    List<ActorHandle<Doubler>> actors = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      actors.add(Glint.actor(Doubler::new).setMaxRestarts(10).setMaxTaskRetries(10).remote());
    }
    for (ActorHandle<Doubler> a : actors) {
      Glint.get(a.task(Doubler::twice, 0).remote(), 120_000);
    }

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger workersKilled = new AtomicInteger();
    AtomicBoolean nodeKilled = new AtomicBoolean();
    Random chaosRandom = new Random(random.nextLong());
    Thread chaos =
        Thread.ofPlatform()
            .name("chaos")
            .start(
                () -> {
                  try {
                    // A kill every 0.8-1.6 s, 40 workers at most: a worker JVM takes a second or
                    // two to start on a busy 2-core machine, and killing faster than workers can
                    // start starves every node by construction (no system makes progress then).
                    while (running.get() && workersKilled.get() < MAX_WORKER_KILLS) {
                      Thread.sleep(800 + chaosRandom.nextInt(800));
                      if (!running.get()) {
                        break;
                      }
                      if (workersKilled.get() == 3 && !nodeKilled.get()) {
                        // One node daemon (never the first: this driver's node) dies with its
                        // workers and its store.
                        cluster.killNode(1 + chaosRandom.nextInt(3));
                        nodeKilled.set(true);
                      } else if (cluster.killRandomWorker(chaosRandom) > 0) {
                        workersKilled.incrementAndGet();
                      }
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });

    // 640 plain tasks, 150 stored objects and 150 tasks reading them, 20 tasks with two children
    // each (1,000 tasks), 100 actor calls, and 30 tasks without retries. (Each waiting parent holds
    // a worker process, as in
    // Ray: a few dozen of them is what two cores can start in reasonable time.)
    List<Expectation> work = new ArrayList<>();
    for (int i = 0; i < 640; i++) {
      work.add(new Expectation(Glint.task(ChaosIT::square, i).remote(), i * i));
    }
    for (int i = 0; i < 150; i++) {
      ObjectRef<byte[]> b = Glint.task(ChaosIT::block, i).remote();
      work.add(
          new Expectation(
              Glint.task(ChaosIT::checksum, b).remote(), (long) (byte) i * (256 << 10)));
    }
    for (int i = 0; i < 20; i++) {
      work.add(new Expectation(Glint.task(ChaosIT::fanOut, i).remote(), i * i + (i + 1) * (i + 1)));
    }
    for (int i = 0; i < 100; i++) {
      work.add(new Expectation(actors.get(i % 4).task(Doubler::twice, i).remote(), 2 * i));
    }
    // Work without retries: a kill during one of these is a typed failure, counted by type.
    for (int i = 0; i < 30; i++) {
      work.add(
          new Expectation(Glint.task(ChaosIT::slowSquare, i).setMaxRetries(0).remote(), i * i));
    }

    long cap = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    int ok = 0;
    List<String> wrong = new ArrayList<>();
    Map<String, Integer> typedFailures = new TreeMap<>();
    try {
      for (Expectation e : work) {
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(cap - System.nanoTime()));
        try {
          Object got = Glint.get(e.ref(), left);
          if (e.expected().equals(got)) {
            ok++;
          } else {
            wrong.add(e.ref() + ": " + got + " instead of " + e.expected());
          }
        } catch (RemoteFailure f) {
          typedFailures.merge(f.getClass().getSimpleName() + "/" + f.type(), 1, Integer::sum);
        } catch (GetTimeoutException t) {
          copyLogs(); // the nodes' logs say what held their resources
          StringBuilder nodes = new StringBuilder();
          for (var n : Glint.nodes()) {
            nodes.append("\n  ").append(n);
          }
          throw new AssertionError(
              "chaos seed " + seed + ": a result never came: " + t + "\nnodes:" + nodes, t);
        }
      }
    } finally {
      running.set(false);
      chaos.join();
    }
    String report =
        "chaos seed "
            + seed
            + ": "
            + ok
            + "/"
            + work.size()
            + " right, "
            + workersKilled.get()
            + " workers and "
            + (nodeKilled.get() ? 1 : 0)
            + " node killed, typed failures "
            + typedFailures;
    System.out.println(report);
    assertThat(wrong).as(report).isEmpty();
    assertThat(ok).as(report).isGreaterThanOrEqualTo((int) Math.ceil(work.size() * 0.95));
    assertThat(workersKilled.get()).as(report).isPositive();
  }
}
