package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.SchedulingStrategy;
import io.glint.api.exception.ObjectLostFailure;
import io.glint.internal.runtime.cluster.NodeProcess;
import io.glint.testing.TestCluster;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Objects whose only copy died with their node: task results are rebuilt by running their tasks
 * again (inputs first); what cannot be rebuilt fails with a typed object-lost failure.
 */
class LineageReconstructionIT {
  static TestCluster cluster;

  @BeforeAll
  static void start() {
    cluster =
        TestCluster.builder()
            .nodeProcesses(true)
            .privateStores(TestCluster.privateStoresAvailable())
            .nodes(2)
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

  /** A block of {@code mib} MiB, every byte {@code fill}: stored, never inlined. */
  public static byte[] block(int mib, int fill) {
    byte[] b = new byte[mib << 20];
    java.util.Arrays.fill(b, (byte) fill);
    return b;
  }

  public static byte[] plusOne(byte[] in) {
    byte[] out = in.clone();
    for (int i = 0; i < out.length; i++) {
      out[i]++;
    }
    return out;
  }

  public static long sum(byte[] in) {
    long s = 0;
    for (byte b : in) {
      s += b;
    }
    return s;
  }

  /** A node that joined, once this driver sees it (so affinity to it is honoured). */
  private static NodeProcess newNode() throws InterruptedException {
    NodeProcess node = cluster.addNodeProcessNow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (Glint.nodes().stream()
        .noneMatch(n -> n.nodeId().equals(node.nodeIdHex()) && n.alive())) {
      assertThat(System.nanoTime()).as("the new node is seen").isLessThan(deadline);
      Thread.sleep(100);
    }
    return node;
  }

  private static List<String> storedOn(NodeProcess node) {
    return Glint.objectStoreStats().stream()
        .filter(st -> st.nodeId().equals(node.nodeIdHex()))
        .flatMap(st -> st.objects().stream())
        .map(o -> o.objectId())
        .toList();
  }

  private static void killAndAwaitDeath(NodeProcess node) throws InterruptedException {
    String id = node.nodeIdHex();
    node.kill();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (Glint.nodes().stream().anyMatch(n -> n.nodeId().equals(id) && n.alive())) {
      assertThat(System.nanoTime()).as("the killed node is reported dead").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @Test
  void aPipelineWhoseObjectsDiedWithTheirNodeCompletesThroughReconstruction() throws Exception {
    NodeProcess doomed = newNode();
    SchedulingStrategy there = SchedulingStrategy.nodeAffinity(doomed.nodeIdHex(), true);
    ObjectRef<byte[]> first =
        Glint.task(LineageReconstructionIT::block, 2, 1).setSchedulingStrategy(there).remote();
    ObjectRef<byte[]> second =
        Glint.task(LineageReconstructionIT::plusOne, first).setSchedulingStrategy(there).remote();
    // Both are done, and (nobody having read them) their only copies are on the doomed node.
    assertThat(Glint.wait(List.of(second), 1, 120_000).getReady()).hasSize(1);
    assertThat(storedOn(doomed)).contains(first.id(), second.id());
    for (var other : Glint.objectStoreStats()) {
      if (!other.nodeId().equals(doomed.nodeIdHex())) {
        assertThat(other.objects()).extracting(o -> o.objectId()).doesNotContain(first.id());
      }
    }
    killAndAwaitDeath(doomed);

    // The third stage needs the second, which needs the first: both are rebuilt elsewhere.
    long expected = 2L * (2 << 20);
    assertThat(Glint.get(Glint.task(LineageReconstructionIT::sum, second).remote(), 120_000))
        .isEqualTo(expected);
    assertThat(Glint.get(first, 60_000)[0]).isEqualTo((byte) 1);
    assertThat(Glint.get(second, 60_000)).hasSize(2 << 20);
  }

  @Test
  void aLostObjectThatCannotBeRebuiltFailsTypedAndSaysWhy() throws Exception {
    NodeProcess doomed = newNode();
    SchedulingStrategy there = SchedulingStrategy.nodeAffinity(doomed.nodeIdHex(), true);
    ObjectRef<byte[]> once =
        Glint.task(LineageReconstructionIT::block, 1, 7)
            .setMaxRetries(0)
            .setSchedulingStrategy(there)
            .remote();
    assertThat(Glint.wait(List.of(once), 1, 120_000).getReady()).hasSize(1);
    assertThat(storedOn(doomed)).contains(once.id());
    killAndAwaitDeath(doomed);
    assertThatThrownBy(() -> Glint.get(once, 60_000))
        .isInstanceOfSatisfying(
            ObjectLostFailure.class, e -> assertThat(e.type()).isEqualTo("ObjectLostError"))
        .hasMessageContaining("no retries left");
    // A task reading it fails the same way, and does not hang.
    assertThatThrownBy(
            () -> Glint.get(Glint.task(LineageReconstructionIT::sum, once).remote(), 60_000))
        .isInstanceOf(ObjectLostFailure.class);
  }
}
