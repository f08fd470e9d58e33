package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.exception.ActorDiedFailure;
import io.glint.testing.GlintExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The caller owns a task's result: a stored (over 100 KiB) result stays readable for as long as the
 * caller holds its ref, whatever happens to the process that computed it (Ray's primary-copy
 * pinning).
 */
class ResultOwnershipIT {
  private static final int BIG = 300 * 1024;

  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(b -> b.cpusPerNode(2).leaseIdleMs(0));

  /** An actor that hands out large arrays. */
  public static final class Maker {
    public Maker() {}

    public byte[] make(int seed) {
      return StoreFns.pattern(BIG, seed);
    }

    /** A stored object this actor owns (made by put here), handed to the caller. */
    public List<ObjectRef<byte[]>> putOwned(int seed) {
      return List.of(Glint.put(StoreFns.pattern(BIG, seed)));
    }

    public void crash() {
      Runtime.getRuntime().halt(9);
    }
  }

  /**
   * An object lives as long as its owner (Ray's ownership): when the process that put it dies, a
   * borrower's read fails with a typed owner-died failure, not a hang.
   */
  @Test
  void anObjectWhoseOwnerDiedFailsTyped() {
    ActorHandle<Maker> m = Glint.actor(Maker::new).remote();
    ObjectRef<byte[]> borrowed = Glint.get(m.task(Maker::putOwned, 5).remote()).get(0);
    assertThat(Glint.get(borrowed, 30_000)).isEqualTo(StoreFns.pattern(BIG, 5));
    ObjectRef<byte[]> unread = Glint.get(m.task(Maker::putOwned, 6).remote()).get(0);
    Glint.kill(m);
    awaitNoWorkerWith(m);
    assertThatThrownBy(() -> Glint.get(unread, 30_000))
        .isInstanceOfSatisfying(
            io.glint.api.exception.ObjectLostFailure.class,
            e -> assertThat(e.type()).isEqualTo("OwnerDiedError"));
  }

  @Test
  void actorResultsOutliveAKilledActor() {
    ActorHandle<Maker> m = Glint.actor(Maker::new).remote();
    ObjectRef<byte[]> read = m.task(Maker::make, 1).remote();
    ObjectRef<byte[]> unread = m.task(Maker::make, 2).remote();
    assertThat(Glint.get(read)).isEqualTo(StoreFns.pattern(BIG, 1));
    Glint.wait(List.of(unread), 1, 30_000);
    Glint.kill(m);
    awaitNoWorkerWith(m);
    assertThat(Glint.get(read, 30_000)).isEqualTo(StoreFns.pattern(BIG, 1));
    assertThat(Glint.get(unread, 30_000)).isEqualTo(StoreFns.pattern(BIG, 2));
  }

  @Test
  void actorResultsOutliveACrashAndRestart() {
    ActorHandle<Maker> m = Glint.actor(Maker::new).setMaxRestarts(1).remote();
    ObjectRef<byte[]> before = m.task(Maker::make, 3).remote();
    assertThat(Glint.get(before)).isEqualTo(StoreFns.pattern(BIG, 3));
    ObjectRef<Void> crash = m.task(Maker::crash).remote();
    assertThatThrownBy(() -> Glint.get(crash, 30_000)).isInstanceOf(ActorDiedFailure.class);
    // The restarted actor answers: the old process is gone by then.
    assertThat(Glint.get(m.task(Maker::make, 4).remote(), 60_000))
        .isEqualTo(StoreFns.pattern(BIG, 4));
    assertThat(Glint.get(before, 30_000)).isEqualTo(StoreFns.pattern(BIG, 3));
    Glint.kill(m);
  }

  @Test
  void taskResultsOutliveTheirPooledWorkers() throws Exception {
    List<ObjectRef<byte[]>> refs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      refs.add(Glint.task(StoreFns::pattern, BIG, i).remote());
    }
    Glint.get(refs);
    for (long pid : glint.cluster().workerPids()) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!glint.cluster().workerPids().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    for (int i = 0; i < 20; i++) {
      assertThat(Glint.get(refs.get(i), 30_000)).isEqualTo(StoreFns.pattern(BIG, i));
    }
  }

  private static void awaitNoWorkerWith(ActorHandle<Maker> actor) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try {
        Glint.get(actor.task(Maker::make, 0).remote(), 5_000);
        Thread.sleep(20);
      } catch (RuntimeException dead) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
