package io.glint.internal.runtime.control;

import io.glint.internal.runtime.cluster.JvmDefaults;
import io.glint.internal.runtime.common.DaemonArgs;
import io.glint.internal.runtime.control.store.ControlStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * The control service as a process of its own (started by {@code glint start --head} and by test
 * clusters), so that it can be stopped and restarted apart from the nodes:
 *
 * <pre>
 * java ... io.glint.internal.runtime.control.ControlMain --host=127.0.0.1 --port=6379
 *     --token-file=FILE [--ready-file=FILE] [--node-timeout-ms=30000] [--storage=SPEC]
 *     [--dashboard-host=HOST --dashboard-port=8265 --dashboard-url-file=FILE]
 * </pre>
 *
 * <p>With {@code --dashboard-port} (0: any free port) and the {@code glint-dashboard} module on the
 * class path, the dashboard runs in this process; its address goes to the URL file.
 *
 * <p>{@code --storage} is where the cluster's state is kept ({@link ControlStore#open}: {@code
 * memory}, a file path, or {@code redis://host:port}); a service started again on the same storage
 * recovers the cluster, and the nodes and drivers reconnect by themselves.
 *
 * <p>Once it listens it writes {@code host:port pid} to the ready file; it stops on SIGTERM.
 */
public final class ControlMain {
  private ControlMain() {}

  public static void main(String[] argv) throws Exception {
    JvmDefaults.apply();
    DaemonArgs a = DaemonArgs.parse("glint control service", argv);
    String host = a.get("host", "127.0.0.1");
    int port = a.getInt("port", 0);
    String token = a.token();
    ControlServer c;
    try {
      ControlStore store = ControlStore.open(a.get("storage", "memory"));
      c =
          ControlServer.start(
              host, port, token, Clock.systemUTC(), a.getLong("node-timeout-ms", 30_000), store);
    } catch (RuntimeException e) {
      a.fail(e.getMessage());
      return;
    }
    DashboardLauncher.Dashboard dashboard = null;
    int dashboardPort = a.getInt("dashboard-port", -1);
    if (dashboardPort >= 0) {
      var launcher = DashboardLauncher.find();
      if (launcher.isEmpty()) {
        System.err.println("the dashboard is not on this class path (module glint-dashboard)");
      } else {
        try {
          dashboard =
              launcher
                  .get()
                  .start(
                      a.get("dashboard-host", host),
                      dashboardPort,
                      token,
                      c.address(),
                      Path.of(
                          a.get(
                              "jobs-dir",
                              Path.of(System.getProperty("java.io.tmpdir"), "glint-jobs")
                                  .toString())),
                      a.get("dashboard-url-file", "").isEmpty()
                          ? null
                          : Path.of(a.get("dashboard-url-file", ""))
                              .resolveSibling("prom_metrics_service_discovery.json"));
        } catch (RuntimeException e) {
          c.close();
          a.fail(e.getMessage());
          return;
        }
        String file = a.get("dashboard-url-file", "");
        if (!file.isEmpty()) {
          DaemonArgs.writeAtomically(Path.of(file), dashboard.url() + "\n");
        }
      }
    }
    DashboardLauncher.Dashboard started = dashboard;
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (started != null) {
                    started.close();
                  }
                  c.close();
                  stop.countDown();
                },
                "glint-control-stop"));
    String ready = a.get("ready-file", "");
    if (!ready.isEmpty()) {
      DaemonArgs.writeAtomically(
          Path.of(ready),
          c.address().getHost()
              + ":"
              + c.address().getPort()
              + " "
              + ProcessHandle.current().pid()
              + "\n");
    }
    stop.await();
  }
}
