package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.NodeInfo;
import io.glint.api.ObjectRef;
import io.glint.api.SchedulingStrategy;
import io.glint.api.exception.ActorDiedFailure;
import io.glint.api.exception.TaskFailure;
import io.glint.testing.TestCluster;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three node daemons, each a process of its own on its own loopback address with its own store:
 * tasks spread when a node is full, follow their data, honour SPREAD and node affinity, and objects
 * move between the nodes' stores.
 */
class MultiNodeIT {
  static TestCluster cluster;

  @BeforeAll
  static void start() {
    cluster =
        TestCluster.builder()
            .nodeProcesses(true)
            .nodes(3)
            .cpusPerNode(2)
            .objectStoreMemory(256L << 20)
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

  /** Where and when a task ran. */
  public record Span(String node, long startMs, long endMs) {}

  public static Span sleepOnNode(long millis) throws InterruptedException {
    long t0 = System.currentTimeMillis();
    Thread.sleep(millis);
    return new Span(Glint.getRuntimeContext().getNodeId(), t0, System.currentTimeMillis());
  }

  public static String nodeId() {
    return Glint.getRuntimeContext().getNodeId();
  }

  public static byte[] bytesOnNode(int size, int seed) {
    return StoreFns.pattern(size, seed);
  }

  /** The node it ran on, and a checksum of the bytes it was given. */
  public static String checksumOnNode(byte[] data) {
    long sum = 0;
    for (int i = 0; i < data.length; i += 97) {
      sum = sum * 31 + data[i];
    }
    return Glint.getRuntimeContext().getNodeId() + ":" + data.length + ":" + sum;
  }

  private static String checksum(byte[] data) {
    long sum = 0;
    for (int i = 0; i < data.length; i += 97) {
      sum = sum * 31 + data[i];
    }
    return data.length + ":" + sum;
  }

  private static List<NodeInfo> alive() {
    return Glint.nodes().stream().filter(NodeInfo::alive).toList();
  }

  @Test
  void tasksRunOnEveryNodeWhenOneIsFull() {
    List<ObjectRef<Span>> refs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      refs.add(Glint.task(MultiNodeIT::sleepOnNode, 1_000L).remote());
    }
    List<Span> spans = Glint.get(refs, 120_000);
    Set<String> nodes = spans.stream().map(Span::node).collect(Collectors.toSet());
    assertThat(nodes).hasSize(3);
    // Tasks on different nodes ran at the same time.
    boolean overlap = false;
    for (Span a : spans) {
      for (Span b : spans) {
        if (!a.node().equals(b.node()) && a.startMs() < b.endMs() && b.startMs() < a.endMs()) {
          overlap = true;
        }
      }
    }
    assertThat(overlap).isTrue();
  }

  @Test
  void spreadPlacesTasksOverEveryNode() {
    List<ObjectRef<Span>> refs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      refs.add(
          Glint.task(MultiNodeIT::sleepOnNode, 300L)
              .setSchedulingStrategy(SchedulingStrategy.spread())
              .remote());
    }
    Map<String, Long> perNode =
        Glint.get(refs, 120_000).stream()
            .collect(Collectors.groupingBy(Span::node, Collectors.counting()));
    assertThat(perNode).hasSize(3);
  }

  @Test
  void nodeAffinityPinsTasksAndActors() {
    List<NodeInfo> nodes = alive();
    for (NodeInfo n : nodes) {
      String ran =
          Glint.get(
              Glint.task(MultiNodeIT::nodeId)
                  .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(n.nodeId(), false))
                  .remote(),
              60_000);
      assertThat(ran).isEqualTo(n.nodeId());
    }
    // An actor on the last node, called from a task pinned to the first.
    NodeInfo b = nodes.get(nodes.size() - 1);
    ActorHandle<Actors.Counter> counter =
        Glint.actor(Actors.Counter::new)
            .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(b.nodeId(), false))
            .remote();
    assertThat(Glint.get(counter.task(Actors.Counter::increment).remote(), 60_000)).isEqualTo(1);
    int viaTask =
        Glint.get(
            Glint.task(Actors::bumpTwice, counter)
                .setSchedulingStrategy(
                    SchedulingStrategy.nodeAffinity(nodes.get(0).nodeId(), false))
                .remote(),
            60_000);
    assertThat(viaTask).isEqualTo(3);
    Glint.kill(counter);
  }

  @Test
  void objectsMoveBetweenNodes() {
    List<NodeInfo> nodes = alive();
    String a = nodes.get(0).nodeId();
    String b = nodes.get(1).nodeId();
    // A 50 MB result made on node A...
    ObjectRef<byte[]> made =
        Glint.task(MultiNodeIT::bytesOnNode, 50 << 20, 7)
            .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(a, false))
            .remote();
    String expected = checksum(StoreFns.pattern(50 << 20, 7));
    // ...read intact by a task on node B, and by the driver.
    assertThat(
            Glint.get(
                Glint.task(MultiNodeIT::checksumOnNode, made)
                    .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(b, false))
                    .remote(),
                120_000))
        .isEqualTo(b + ":" + expected);
    assertThat(checksum(Glint.get(made, 120_000))).isEqualTo(expected);
    // A put reaches two other nodes intact.
    byte[] big = StoreFns.pattern(40 << 20, 3);
    ObjectRef<byte[]> put = Glint.put(big);
    for (NodeInfo n : nodes.subList(1, nodes.size())) {
      assertThat(
              Glint.get(
                  Glint.task(MultiNodeIT::checksumOnNode, put)
                      .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(n.nodeId(), false))
                      .remote(),
                  120_000))
          .isEqualTo(n.nodeId() + ":" + checksum(big));
    }
    // The nodes counted the bytes they sent and received.
    long received = Glint.objectStoreStats().stream().mapToLong(s -> s.bytesReceivedTotal()).sum();
    assertThat(received).isGreaterThanOrEqualTo((50L << 20) + 2 * (40L << 20));
  }

  @Test
  void tasksFollowTheirLargestArgument() {
    List<NodeInfo> nodes = alive();
    String b = nodes.get(1).nodeId();
    ObjectRef<byte[]> onB =
        Glint.task(MultiNodeIT::bytesOnNode, 100 << 20, 1)
            .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(b, false))
            .remote();
    Glint.wait(List.of(onB), 1, 120_000);
    Set<String> ran = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      ran.add(
          Glint.get(Glint.task(MultiNodeIT::checksumOnNode, onB).remote(), 120_000).split(":")[0]);
    }
    assertThat(ran).containsExactly(b);
  }

  @Test
  void hardAffinityToADeadNodeFailsAndSoftAffinityFallsBack() throws Exception {
    var extra = cluster.addNodeProcessNow();
    String id = extra.nodeIdHex();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (alive().stream().noneMatch(n -> n.nodeId().equals(id))) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(100);
    }
    extra.kill();
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Glint.nodes().stream().anyMatch(n -> n.nodeId().equals(id) && n.alive())) {
      assertThat(System.nanoTime()).as("the killed node is reported dead").isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThatThrownBy(
            () ->
                Glint.get(
                    Glint.task(MultiNodeIT::nodeId)
                        .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(id, false))
                        .remote(),
                    60_000))
        .isInstanceOfSatisfying(
            TaskFailure.class, e -> assertThat(e.type()).isEqualTo("TaskUnschedulableError"))
        .hasMessageContaining("is dead");
    String fallback =
        Glint.get(
            Glint.task(MultiNodeIT::nodeId)
                .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(id, true))
                .remote(),
            60_000);
    assertThat(fallback).isNotEqualTo(id);
    assertThatThrownBy(
            () ->
                Glint.get(
                    Glint.actor(Actors.Counter::new)
                        .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(id, false))
                        .remote()
                        .task(Actors.Counter::increment)
                        .remote(),
                    60_000))
        .isInstanceOf(ActorDiedFailure.class)
        .hasMessageContaining("is dead");
  }

  /** Says which node it lives on. */
  public static final class Where {
    public Where() {}

    public String node() {
      return Glint.getRuntimeContext().getNodeId();
    }
  }

  @Test
  void anActorRestartsOnAnotherNodeWhenItsNodeDies() throws Exception {
    var extra = cluster.addNodeProcessNow();
    String id = extra.nodeIdHex();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (alive().stream().noneMatch(n -> n.nodeId().equals(id))) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(100);
    }
    ActorHandle<Where> w =
        Glint.actor(Where::new)
            .setMaxRestarts(1)
            .setMaxTaskRetries(-1)
            .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(id, true))
            .remote();
    assertThat(Glint.get(w.task(Where::node).remote(), 60_000)).isEqualTo(id);
    extra.kill();
    // Once the node is declared dead, the actor is restarted on a live node.
    String now = Glint.get(w.task(Where::node).remote(), 90_000);
    assertThat(now).isNotEqualTo(id);
    assertThat(alive().stream().map(NodeInfo::nodeId)).contains(now);
    Glint.kill(w);
  }
}
