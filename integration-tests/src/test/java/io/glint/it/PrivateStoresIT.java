package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.Glint;
import io.glint.api.NodeInfo;
import io.glint.api.ObjectRef;
import io.glint.api.ObjectStoreStats;
import io.glint.api.SchedulingStrategy;
import io.glint.testing.TestCluster;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each node's store in its own mount namespace (a private /dev/shm), invisible to the other nodes
 * and to the driver: every object crosses the network, and the nodes' byte counters account for it.
 */
class PrivateStoresIT {
  static TestCluster cluster;

  @BeforeAll
  static void start() {
    Assumptions.assumeTrue(
        TestCluster.privateStoresAvailable(), "unshare with a private /dev/shm needs root");
    cluster =
        TestCluster.builder()
            .privateStores(true)
            .nodes(3)
            .cpusPerNode(2)
            .objectStoreMemory(512L << 20)
            .logToDriver(false)
            .start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static List<NodeInfo> alive() {
    return Glint.nodes().stream().filter(NodeInfo::alive).toList();
  }

  private static SchedulingStrategy on(NodeInfo n) {
    return SchedulingStrategy.nodeAffinity(n.nodeId(), false);
  }

  private static String checksum(byte[] data) {
    long sum = 0;
    for (int i = 0; i < data.length; i += 97) {
      sum = sum * 31 + data[i];
    }
    return data.length + ":" + sum;
  }

  @Test
  void noStoreIsVisibleOutsideItsNode() {
    for (var p : cluster.nodeProcesses()) {
      assertThat(Files.exists(p.storeDir())).as(p.storeDir().toString()).isFalse();
    }
  }

  @Test
  void aResultMadeOnOneNodeIsReadByAnotherNodeAndByTheDriver() {
    List<NodeInfo> nodes = alive();
    ObjectRef<byte[]> made =
        Glint.task(MultiNodeIT::bytesOnNode, 50 << 20, 11)
            .setSchedulingStrategy(on(nodes.get(0)))
            .remote();
    String expected = checksum(StoreFns.pattern(50 << 20, 11));
    assertThat(
            Glint.get(
                Glint.task(MultiNodeIT::checksumOnNode, made)
                    .setSchedulingStrategy(on(nodes.get(1)))
                    .remote(),
                120_000))
        .isEqualTo(nodes.get(1).nodeId() + ":" + expected);
    assertThat(checksum(Glint.get(made, 120_000))).isEqualTo(expected);
  }

  @Test
  void aLargePutReachesTwoOtherNodesAndTheCountersAccountForIt() {
    List<NodeInfo> nodes = alive();
    Map<String, Long> receivedBefore = received();
    byte[] big = StoreFns.pattern(200 << 20, 5);
    ObjectRef<byte[]> put = Glint.put(big);
    String expected = checksum(big);
    big = null;
    // The driver's put went to its home node; two other nodes pull it from there.
    for (NodeInfo n : nodes.subList(1, 3)) {
      assertThat(
              Glint.get(
                  Glint.task(MultiNodeIT::checksumOnNode, put)
                      .setSchedulingStrategy(on(n))
                      .remote(),
                  120_000))
          .isEqualTo(n.nodeId() + ":" + expected);
    }
    Map<String, Long> receivedAfter = received();
    for (NodeInfo n : nodes.subList(1, 3)) {
      assertThat(receivedAfter.get(n.nodeId()) - receivedBefore.getOrDefault(n.nodeId(), 0L))
          .as("bytes node %s pulled", n.name())
          .isGreaterThanOrEqualTo(200L << 20);
    }
    // ...and the home node counted what it sent to each of them.
    ObjectStoreStats home =
        Glint.objectStoreStats().stream()
            .filter(s -> s.nodeId().equals(nodes.get(0).nodeId()))
            .findFirst()
            .orElseThrow();
    for (NodeInfo n : nodes.subList(1, 3)) {
      assertThat(home.peers().get(n.nodeId()).bytesSent()).isGreaterThanOrEqualTo(200L << 20);
    }
    assertThat(Glint.get(put, 120_000)).hasSize(200 << 20);
  }

  private static Map<String, Long> received() {
    return Glint.objectStoreStats().stream()
        .collect(
            java.util.stream.Collectors.toMap(
                ObjectStoreStats::nodeId, ObjectStoreStats::bytesReceivedTotal));
  }
}
