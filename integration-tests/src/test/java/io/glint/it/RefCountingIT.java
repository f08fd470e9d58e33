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

/**
 * Distributed reference counting: refs nested in task arguments, in put values and in task results
 * keep their objects while any process holds them, and free them afterwards.
 */
class RefCountingIT {
  static final int MB = 1 << 20;

  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(b -> b.cpusPerNode(2).objectStoreMemory(256L * MB));

  public static int slowLength(byte[] b) throws InterruptedException {
    Thread.sleep(500);
    return b.length;
  }

  /**
   * release() frees now, without waiting for the collector: the ref stays reachable here, and a
   * task submitted before the release still reads the object.
   */
  @Test
  void releaseFreesAnObjectWhileItsRefIsStillReachable() throws Exception {
    long baseline = StoredObjects.count();
    ObjectRef<byte[]> ref = Glint.put(StoreFns.bytes(MB, (byte) 3));
    ObjectRef<Integer> len = Glint.task(RefCountingIT::slowLength, ref).remote();
    ref.release();
    ref.release(); // harmless
    assertThat(Glint.get(len, 30_000)).isEqualTo(MB);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (StoredObjects.count() > baseline && System.nanoTime() < deadline) {
      Thread.sleep(50); // no System.gc(): the release did it
    }
    assertThat(StoredObjects.count()).isEqualTo(baseline);
    assertThat(ref).isNotNull();
  }

  @Test
  void refsNestedInTaskArgumentsAreFreedAfterTheTask() throws Exception {
    long baseline = StoredObjects.count();
    List<ObjectRef<byte[]>> refs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      refs.add(Glint.put(StoreFns.bytes(MB, (byte) i)));
    }
    assertThat(Glint.get(Glint.task(RefFns::totalLength, refs).remote())).isEqualTo(4L * MB);
    assertThat(StoredObjects.count()).isEqualTo(baseline + 4);
    refs.clear();
    StoredObjects.await(baseline);
  }

  @Test
  void anActorKeepsARefItWasGivenAfterTheDriverDropsIt() throws Exception {
    long baseline = StoredObjects.count();
    ActorHandle<RefFns.Holder> holder = Glint.actor(RefFns.Holder::new).remote();
    List<ObjectRef<byte[]>> given =
        new ArrayList<>(List.of(Glint.put(StoreFns.bytes(MB, (byte) 7))));
    assertThat(Glint.get(holder.task(RefFns.Holder::hold, given).remote())).isTrue();
    given.clear();
    StoredObjects.collectForAWhile();
    assertThat(StoredObjects.count()).as("the actor still borrows it").isEqualTo(baseline + 1);
    assertThat(Glint.get(holder.task(RefFns.Holder::read).remote())).isEqualTo(MB);

    assertThat(Glint.get(holder.task(RefFns.Holder::drop).remote())).isTrue();
    StoredObjects.await(baseline);
    holder.kill();
  }

  @Test
  void theBorrowsOfAnActorWhoseProcessIsKilledAreReleased() throws Exception {
    long baseline = StoredObjects.count();
    ActorHandle<RefFns.Holder> holder = Glint.actor(RefFns.Holder::new).remote();
    List<ObjectRef<byte[]>> given =
        new ArrayList<>(List.of(Glint.put(StoreFns.bytes(MB, (byte) 9))));
    assertThat(Glint.get(holder.task(RefFns.Holder::hold, given).remote())).isTrue();
    given.clear();
    StoredObjects.collectForAWhile();
    assertThat(StoredObjects.count()).as("the actor borrows it").isEqualTo(baseline + 1);
    // Killed, the process cannot say it lets go: the owner learns of the death instead.
    holder.kill();
    StoredObjects.await(baseline);
  }

  @Test
  void refsInsideObjectsAKilledProcessOwnedAreReleased() throws Exception {
    long baseline = StoredObjects.count();
    ActorHandle<RefFns.Holder> holder = Glint.actor(RefFns.Holder::new).remote();
    List<ObjectRef<byte[]>> given =
        new ArrayList<>(List.of(Glint.put(StoreFns.bytes(MB, (byte) 5))));
    assertThat(Glint.get(holder.task(RefFns.Holder::hold, given).remote())).isTrue();
    given.clear();
    // The actor now keeps the ref only inside a list it put: an object the actor owns.
    assertThat(Glint.get(holder.task(RefFns.Holder::wrap).remote())).isTrue();
    StoredObjects.collectForAWhile();
    assertThat(StoredObjects.count()).as("the actor's list holds it").isEqualTo(baseline + 1);
    holder.kill();
    StoredObjects.await(baseline);
  }

  @Test
  void aPutValueKeepsTheRefsInsideItUntilItIsFreed() throws Exception {
    long baseline = StoredObjects.count();
    List<ObjectRef<byte[]>> inner =
        new ArrayList<>(List.of(Glint.put(StoreFns.bytes(MB, (byte) 3))));
    ObjectRef<List<ObjectRef<byte[]>>> box = Glint.put(List.copyOf(inner));
    inner.clear();
    StoredObjects.collectForAWhile();
    assertThat(Glint.get(Glint.get(box).get(0))).hasSize(MB);

    box = null;
    StoredObjects.await(baseline);
  }

  @Test
  void refsReturnedInsideATaskResultOutliveTheTaskAndAreFreedLater() throws Exception {
    long baseline = StoredObjects.count();
    ObjectRef<List<ObjectRef<byte[]>>> made = Glint.task(RefFns::putMany, 3, MB).remote();
    List<ObjectRef<byte[]>> refs = new ArrayList<>(Glint.get(made));
    StoredObjects.collectForAWhile(); // the worker that put them has dropped its own refs by now
    assertThat(StoredObjects.count()).isEqualTo(baseline + 3);
    // (Read in another frame: a loop here would leave the last ref in a dead local slot.)
    assertThat(RefFns.totalLength(refs)).isEqualTo(3L * MB);

    refs.clear();
    made = null;
    StoredObjects.await(baseline);
  }
}
