package io.glint.internal.runtime.worker;

import io.glint.api.internal.RuntimeRegistry;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.Language;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.RegisterWorkerRequest;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.core.CoreWorker;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of a worker process. The node daemon starts it with the job's class path and writes
 * its settings, the cluster token among them, to its standard input (never the command line, which
 * other users can read). The worker serves tasks until its daemon ends it, and exits on its own
 * when the process that started it dies.
 */
public final class WorkerMain {
  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    io.glint.internal.runtime.cluster.JvmDefaults.withoutNettyFlightEvents();
    io.glint.internal.runtime.core.OutputOffsets.install();
    io.glint.internal.runtime.cluster.JvmDefaults.quietLibraries();
    Properties boot = new Properties();
    boot.load(System.in);
    watchParent();
    Address node =
        Address.newBuilder()
            .setNodeId(Ids.fromHex(boot.getProperty("nodeId")))
            .setHost(boot.getProperty("nodeHost"))
            .setPort(Integer.parseInt(boot.getProperty("nodePort")))
            .build();
    Address control =
        Address.newBuilder()
            .setHost(boot.getProperty("controlHost"))
            .setPort(Integer.parseInt(boot.getProperty("controlPort")))
            .build();
    long leaseIdleMs = Long.getLong(GlintConfig.LEASE_IDLE_MS.property(), 10);
    io.glint.internal.runtime.serialization.ValueSerializers.register(
        System.getProperty(io.glint.internal.runtime.serialization.ValueSerializers.PROPERTY),
        ClassLoader.getSystemClassLoader());
    CoreWorker worker =
        new CoreWorker(
            new CoreWorker.Settings(
                CoreWorker.Mode.WORKER,
                Ids.fromHex(boot.getProperty("workerId")),
                node.getNodeId(),
                node,
                control,
                boot.getProperty("token"),
                Path.of(boot.getProperty("storeDir")),
                boot.getProperty("host"),
                leaseIdleMs,
                ClassLoader.getSystemClassLoader()));
    worker.setJob(Ids.fromHex(boot.getProperty("jobId")), boot.getProperty("namespace", ""));
    worker.start();
    RuntimeRegistry.install(worker);
    if (Boolean.parseBoolean(boot.getProperty("train"))) {
      train(worker, node);
      return;
    }
    CountDownLatch done = new CountDownLatch(1);
    worker.onShutdown(done::countDown);
    Runtime.getRuntime().addShutdownHook(new Thread(worker::shutdown, "glint-worker-shutdown"));
    NodeServiceGrpc.newBlockingStub(worker.channelTo(node))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .registerWorker(
            RegisterWorkerRequest.newBuilder()
                .setWorkerId(Ids.fromHex(boot.getProperty("workerId")))
                .setPid((int) ProcessHandle.current().pid())
                .setAddress(worker.address())
                .setJobId(Ids.fromHex(boot.getProperty("jobId")))
                .setLanguage(Language.LANGUAGE_JAVA)
                .build());
    done.await();
  }

  /**
   * The training run of the node's AOT cache for workers ({@code WorkerAotCache}): started as a
   * worker is, against a node that does not exist; the registration fails at once, and the JVM
   * exits, writing the cache of what it loaded.
   */
  private static void train(CoreWorker worker, Address node) {
    try {
      NodeServiceGrpc.newBlockingStub(worker.channelTo(node))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .registerWorker(RegisterWorkerRequest.newBuilder().build());
    } catch (RuntimeException expected) {
      // no node listens there
    }
    worker.shutdown();
    System.exit(0);
  }

  /** Exits when the parent (the node daemon's process) is gone: no orphaned workers. */
  private static void watchParent() {
    ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
    if (parent == null) {
      return;
    }
    Thread t =
        new Thread(
            () -> {
              while (true) {
                if (!parent.isAlive()) {
                  Runtime.getRuntime().halt(0);
                }
                try {
                  Thread.sleep(500);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "glint-parent-watch");
    t.setDaemon(true);
    t.start();
  }
}
