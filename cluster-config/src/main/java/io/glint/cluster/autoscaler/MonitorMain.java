package io.glint.cluster.autoscaler;

import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.ClusterConfigLoader;
import io.glint.cluster.provider.NodeProvider;
import io.glint.cluster.provider.NodeProviders;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.runtime.common.DaemonArgs;
import io.glint.internal.runtime.common.Grpc;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The autoscaler's process on the head, started by {@code glint start --head
 * --autoscaling-config=FILE}:
 *
 * <pre>
 * java ... io.glint.cluster.autoscaler.MonitorMain --address=HOST:PORT --token-file=FILE
 *     --config=cluster.yaml [--ready-file=FILE] [--interval-ms=2000]
 * </pre>
 *
 * It writes {@code monitor PID} to the ready file once its first round ran, and stops on SIGTERM.
 */
public final class MonitorMain {
  private MonitorMain() {}

  public static void main(String[] argv) throws Exception {
    DaemonArgs a = DaemonArgs.parse("glint autoscaler", argv);
    String token = a.token();
    String[] hp = a.require("address").split(":");
    ClusterConfig config;
    NodeProvider provider;
    try {
      config = ClusterConfigLoader.load(Path.of(a.require("config")));
      provider = NodeProviders.create(config);
    } catch (RuntimeException e) {
      a.fail(e.getMessage());
      return;
    }
    var channel = Grpc.channel(hp[0], Integer.parseInt(hp[1]), token, null);
    Monitor monitor =
        new Monitor(
            config,
            provider,
            ControlServiceGrpc.newBlockingStub(channel).withWaitForReady(),
            hp[0],
            token,
            Clock.systemUTC());
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  monitor.close();
                  provider.close();
                  Grpc.shutdown(channel);
                  stop.countDown();
                },
                "glint-autoscaler-stop"));
    monitor.start(Duration.ofMillis(a.getLong("interval-ms", 2_000)));
    String ready = a.get("ready-file", "");
    if (!ready.isEmpty()) {
      DaemonArgs.writeAtomically(Path.of(ready), "monitor " + ProcessHandle.current().pid() + "\n");
    }
    System.out.println(
        "Glint autoscaler for cluster "
            + config.clusterName()
            + " ("
            + config.provider().type()
            + " provider) watching "
            + a.require("address"));
    stop.await();
  }
}
