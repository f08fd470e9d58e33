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
 * </pre>
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
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
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
