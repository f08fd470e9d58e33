package io.glint.benchmarks;

import io.glint.api.Glint;
import io.glint.api.InitOptions;
import io.glint.api.ObjectRef;
import io.glint.api.internal.RuntimeRegistry;
import io.glint.internal.proto.LeaseReply;
import io.glint.internal.proto.LeaseRequest;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ReturnLeaseRequest;
import io.glint.internal.runtime.DriverRuntime;
import io.glint.internal.runtime.cluster.LocalCluster;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.core.CoreWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long a worker lease takes to be granted while the node's store spills to disk: a driver keeps
 * putting 64 MiB objects into a 256 MiB store (each one spills an older one), while another thread
 * asks the node daemon for a lease and returns it, over and over. Prints the lease latency
 * percentiles without and with the spilling.
 *
 * <pre>
 * java -cp "benchmarks/target/classes:benchmarks/target/lib/*" io.glint.benchmarks.SpillLeaseLatency
 * </pre>
 */
public final class SpillLeaseLatency {
  private static final long STORE = 256L << 20;
  private static final int OBJECT = 64 << 20;

  private SpillLeaseLatency() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
    Path tmp = Files.createTempDirectory("glint-spill-bench-");
    Path session = tmp.resolve("session");
    Files.createDirectories(session.resolve("logs"));
    ResourceSet cpus = ResourceSet.of(Map.of(ResourceSet.CPU, 2.0));
    try (LocalCluster cluster =
        LocalCluster.start(
            "127.0.0.1",
            Grpc.newToken(),
            session,
            tmp.resolve("store"),
            List.of(new LocalCluster.NodeSpec(cpus, Map.of(), STORE)))) {
      GlintConfig.Resolved cfg =
          new GlintConfig(Map.of(), new Properties())
              .resolve(InitOptions.builder().logToDriver(false).build());
      CoreWorker driver =
          DriverRuntime.connect(cfg, cluster.controlAddress(), cluster.token(), null);
      RuntimeRegistry.install(driver);
      try {
        var node = NodeServiceGrpc.newBlockingStub(driver.channelTo(cluster.head().address()));
        Thread.sleep(2_000); // prestarted workers register
        List<Long> quiet = leases(node, driver, seconds, () -> false);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong puts = new AtomicLong();
        Thread spiller =
            Thread.ofPlatform()
                .start(
                    () -> {
                      ArrayDeque<ObjectRef<byte[]>> held = new ArrayDeque<>();
                      byte[] data = new byte[OBJECT];
                      while (!stop.get()) {
                        held.add(Glint.put(data));
                        puts.incrementAndGet();
                        if (held.size() > 12) {
                          held.poll();
                        }
                      }
                    });
        Thread.sleep(1_000); // the store is full and spilling by now
        List<Long> spilling = leases(node, driver, seconds, () -> false);
        stop.set(true);
        spiller.join();
        long spilled =
            Glint.objectStoreStats().stream().mapToLong(s -> s.spilledBytesTotal()).sum();
        System.out.println(row("lease grant latency, store idle", quiet));
        System.out.println(row("lease grant latency, store spilling", spilling));
        System.out.printf(
            Locale.ROOT,
            "during the spilling run: %d puts of 64 MiB, %.1f GiB spilled in all%n",
            puts.get(),
            spilled / (double) (1L << 30));
      } finally {
        RuntimeRegistry.uninstall(driver);
        driver.shutdown();
      }
    }
  }

  private static List<Long> leases(
      NodeServiceGrpc.NodeServiceBlockingStub node,
      CoreWorker driver,
      double seconds,
      java.util.function.BooleanSupplier unused)
      throws InterruptedException {
    List<Long> micros = new ArrayList<>();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      long t0 = System.nanoTime();
      LeaseReply r =
          node.withDeadlineAfter(60, TimeUnit.SECONDS)
              .requestWorkerLease(
                  LeaseRequest.newBuilder()
                      .setLeaseRequestId(Ids.random())
                      .setJobId(driver.jobId())
                      .setResources(ResourceSet.of(Map.of(ResourceSet.CPU, 1.0)).toProto())
                      .setRequesterWorkerId(Ids.random())
                      .build());
      micros.add((System.nanoTime() - t0) / 1_000);
      if (r.hasGranted()) {
        node.returnWorkerLease(
            ReturnLeaseRequest.newBuilder().setLeaseId(r.getGranted().getLeaseId()).build());
      }
      Thread.sleep(5);
    }
    return micros;
  }

  private static String row(String what, List<Long> micros) {
    List<Long> s = new ArrayList<>(micros);
    Collections.sort(s);
    return String.format(
        Locale.ROOT,
        "%s: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms",
        what,
        s.size(),
        s.get(s.size() / 2) / 1000.0,
        s.get(Math.min(s.size() - 1, (int) (s.size() * 0.99))) / 1000.0,
        s.get(s.size() - 1) / 1000.0);
  }
}
