package io.glint.benchmarks;

import io.glint.api.Glint;
import io.glint.api.InitOptions;
import io.glint.api.NodeInfo;
import io.glint.api.ObjectRef;
import io.glint.api.SchedulingStrategy;
import io.glint.api.internal.RuntimeRegistry;
import io.glint.internal.proto.GetObjectStoreStatsRequest;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ObjectStoreStats;
import io.glint.internal.runtime.DriverRuntime;
import io.glint.internal.runtime.cluster.ClassPaths;
import io.glint.internal.runtime.cluster.LocalCluster;
import io.glint.internal.runtime.cluster.NodeProcess;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.core.CoreWorker;
import io.glint.internal.store.ByteSizes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Object transfer between node daemon processes (each store in a private mount namespace when this
 * machine allows it, so bytes really cross between processes over gRPC):
 *
 * <ul>
 *   <li><b>1 GiB broadcast</b>: an object made on one node read by a task on each of 4 others at
 *       once; time, bytes served by each source node, peak heap of each daemon;
 *   <li><b>cross-node transfer GB/s</b>: one node pulling a fresh 1 GiB object from another.
 * </ul>
 *
 * <pre>
 * java -cp "benchmarks/target/classes:$(cat cp.txt)" io.glint.benchmarks.TransferBench [GiB]
 * </pre>
 */
public final class TransferBench {
  private TransferBench() {}

  /** Makes {@code bytes} of a pattern (on the node it runs on). */
  public static java.nio.ByteBuffer make(long bytes) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) bytes);
    for (int i = 0; i < b.capacity(); i += 4096) {
      b.put(i, (byte) i);
    }
    return b;
  }

  /** The object's length, read in place (a view of the node's store: no copy). */
  public static int length(java.nio.ByteBuffer data) {
    return data.capacity();
  }

  public static void main(String[] args) throws Exception {
    double gib = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
    long size = (long) (gib * (1L << 30)) - 64;
    boolean privateStores = io.glint.internal.runtime.cluster.NodeProcess.privateStoresAvailable();
    Path tmp = Files.createTempDirectory("glint-transfer-bench-");
    Path session = Files.createDirectories(tmp.resolve("session"));
    Files.createDirectories(session.resolve("logs"));
    String token = Grpc.newToken();
    Path tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, token);
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    List<NodeProcess> nodes = new ArrayList<>();
    try (LocalCluster control = LocalCluster.start("127.0.0.1", token, session, tmp, List.of())) {
      String address =
          control.controlAddress().getHost() + ":" + control.controlAddress().getPort();
      long store = size + (256L << 20);
      for (int i = 1; i <= 5; i++) {
        nodes.add(
            NodeProcess.start(
                new NodeProcess.Spec(
                    "node-" + i,
                    "127.0.0." + i,
                    ResourceSet.of(Map.of(ResourceSet.CPU, 1.0)),
                    store,
                    address,
                    tokenFile,
                    session,
                    privateStores,
                    ClassPaths.forWorkers(List.of()),
                    0)));
      }
      GlintConfig.Resolved cfg =
          new GlintConfig(Map.of(), new Properties())
              .resolve(InitOptions.builder().logToDriver(false).build());
      CoreWorker driver = DriverRuntime.connect(cfg, control.controlAddress(), token, null);
      RuntimeRegistry.install(driver);
      try {
        run(driver, size, privateStores);
      } finally {
        RuntimeRegistry.uninstall(driver);
        driver.shutdown();
      }
    } finally {
      for (NodeProcess n : nodes) {
        n.close();
      }
    }
  }

  private static void run(CoreWorker driver, long size, boolean privateStores) {
    List<NodeInfo> nodes = Glint.nodes().stream().filter(NodeInfo::alive).toList();
    System.out.printf(
        Locale.ROOT,
        "%d node processes, 1 CPU each, stores %s; object %s%n",
        nodes.size(),
        privateStores ? "in private mount namespaces" : "on the shared /dev/shm",
        ByteSizes.format(size));
    // Warm up workers on every node.
    for (NodeInfo n : nodes) {
      Glint.get(
          Glint.task(TransferBench::length, java.nio.ByteBuffer.allocate(1))
              .setSchedulingStrategy(on(n))
              .remote());
    }
    // Point to point: node 2 pulls a fresh object from node 3, three times (before the broadcast:
    // the views its reads keep hold their objects until collected).
    double best = 0;
    for (int i = 0; i < 3; i++) {
      ObjectRef<java.nio.ByteBuffer> o =
          Glint.task(TransferBench::make, size).setSchedulingStrategy(on(nodes.get(2))).remote();
      Glint.wait(List.of(o), 1, 600_000);
      long s0 = System.nanoTime();
      Glint.get(
          Glint.task(TransferBench::length, o).setSchedulingStrategy(on(nodes.get(1))).remote());
      double gbps = size / ((System.nanoTime() - s0) / 1e9) / 1e9;
      best = Math.max(best, gbps);
      System.out.printf(Locale.ROOT, "cross-node transfer run %d: %.2f GB/s%n", i + 1, gbps);
    }
    System.out.printf(Locale.ROOT, "cross-node transfer GB/s (best of 3): %.2f%n", best);
    // Broadcast: made on node 1, read on the 4 others at once.
    ObjectRef<java.nio.ByteBuffer> obj =
        Glint.task(TransferBench::make, size).setSchedulingStrategy(on(nodes.get(0))).remote();
    Glint.wait(List.of(obj), 1, 600_000);
    long t0 = System.nanoTime();
    List<ObjectRef<Integer>> reads = new ArrayList<>();
    for (NodeInfo n : nodes.subList(1, nodes.size())) {
      reads.add(Glint.task(TransferBench::length, obj).setSchedulingStrategy(on(n)).remote());
    }
    Glint.get(reads, 600_000);
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "broadcast of %s to 4 nodes: %.2f s (%.2f GB/s delivered in all)%n",
        ByteSizes.format(size),
        secs,
        4 * size / secs / 1e9);
    for (NodeInfo n : nodes) {
      ObjectStoreStats s = stats(driver, n);
      System.out.printf(
          Locale.ROOT,
          "  %s: served %s, received %s, daemon heap peak %s%n",
          n.name(),
          ByteSizes.format(s.getBytesSentTotal()),
          ByteSizes.format(s.getBytesReceivedTotal()),
          ByteSizes.format(s.getDaemonHeapPeakBytes()));
    }
  }

  private static ObjectStoreStats stats(CoreWorker driver, NodeInfo n) {
    String[] hp = n.address().split(":");
    return NodeServiceGrpc.newBlockingStub(
            driver.channelTo(
                io.glint.internal.proto.Address.newBuilder()
                    .setHost(hp[0])
                    .setPort(Integer.parseInt(hp[1]))
                    .build()))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .getObjectStoreStats(GetObjectStoreStatsRequest.getDefaultInstance());
  }

  private static SchedulingStrategy on(NodeInfo n) {
    return SchedulingStrategy.nodeAffinity(n.nodeId(), false);
  }
}
