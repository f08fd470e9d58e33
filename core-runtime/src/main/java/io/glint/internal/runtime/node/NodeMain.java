package io.glint.internal.runtime.node;

import io.glint.api.exception.ConfigurationException;
import io.glint.internal.proto.Address;
import io.glint.internal.runtime.cluster.JvmDefaults;
import io.glint.internal.runtime.cluster.NodeResources;
import io.glint.internal.runtime.common.DaemonArgs;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.store.ByteSizes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A node daemon as a process of its own (started by {@code glint start} and by test clusters). Its
 * command line names the node and its resources, so an operator can tell nodes apart in {@code ps}:
 *
 * <pre>
 * java ... io.glint.internal.runtime.node.NodeMain --node-name=worker-1 --num-cpus=4 --num-gpus=0
 *     --resources=accelerator=1 --object-store-memory=2g --host=10.0.0.5
 *     --control=10.0.0.1:6379 --token-file=FILE --session-dir=DIR [--store-root=DIR]
 *     [--ready-file=FILE]
 * </pre>
 *
 * Once registered it writes {@code <node id> <host>:<port> <store dir> <pid>} to the ready file. It
 * stops on SIGTERM, ending its workers and deleting its store.
 */
public final class NodeMain {
  private NodeMain() {}

  public static void main(String[] argv) throws Exception {
    JvmDefaults.apply();
    DaemonArgs a = DaemonArgs.parse("glint node", argv);
    String host = a.get("host", "127.0.0.1");
    String[] control = a.require("control").split(":");
    if (control.length != 2) {
      a.fail("--control must be host:port, got '" + a.get("control", "") + "'");
    }
    Address controlAddress =
        Address.newBuilder().setHost(control[0]).setPort(Integer.parseInt(control[1])).build();
    ResourceSet resources;
    long storeBytes;
    try {
      Map<String, Double> custom = parseResources(a.get("resources", ""));
      Double cpus =
          a.get("num-cpus", null) == null ? null : Double.valueOf(a.get("num-cpus", null));
      Double gpus =
          a.get("num-gpus", null) == null ? null : Double.valueOf(a.get("num-gpus", null));
      resources = NodeResources.of(cpus, gpus, custom);
      String mem = a.get("object-store-memory", "");
      storeBytes =
          mem.isEmpty()
              ? NodeResources.defaultObjectStoreBytes()
              : GlintConfig.checkStoreSize(ByteSizes.parse(mem));
    } catch (IllegalArgumentException | ConfigurationException e) {
      a.fail(e.getMessage());
      return;
    }
    Path session = Path.of(a.require("session-dir"));
    Files.createDirectories(session.resolve("logs"));
    Path storeRoot =
        a.get("store-root", "").isEmpty()
            ? io.glint.internal.store.SharedMemoryStore.defaultRoot(storeBytes)
            : Path.of(a.get("store-root", ""));
    int cpus = (int) Math.max(1, Math.ceil(resources.get(ResourceSet.CPU)));
    NodeMetricsLauncher.Exporter metrics = null;
    int metricsPort = a.getInt("metrics-export-port", 0);
    if (metricsPort >= 0) {
      try {
        metrics =
            NodeMetricsLauncher.find().map(l -> l.start(host, metricsPort, a.token())).orElse(null);
      } catch (RuntimeException e) {
        a.fail("cannot serve this node's metrics on port " + metricsPort + ": " + e.getMessage());
        return;
      }
    }
    NodeDaemon d;
    try {
      d =
          NodeDaemon.start(
              new NodeDaemon.Options(
                  host,
                  resources,
                  controlAddress,
                  a.token(),
                  session,
                  storeRoot,
                  Math.max(2, cpus),
                  Map.of(),
                  storeBytes,
                  a.get("node-name", ""),
                  metrics == null ? 0 : metrics.port()));
    } catch (RuntimeException e) {
      a.fail(e.getMessage());
      return;
    }
    if (metrics != null) {
      metrics.attach(d.address());
    }
    NodeMetricsLauncher.Exporter exporter = metrics;
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (exporter != null) {
                    exporter.close();
                  }
                  d.close();
                  stop.countDown();
                },
                "glint-node-stop"));
    String ready = a.get("ready-file", "");
    if (!ready.isEmpty()) {
      DaemonArgs.writeAtomically(
          Path.of(ready),
          Ids.hex(d.nodeId())
              + " "
              + d.address().getHost()
              + ":"
              + d.address().getPort()
              + " "
              + d.storeDir()
              + " "
              + ProcessHandle.current().pid()
              + "\n");
    }
    stop.await();
  }

  /** {@code name=qty,...} (or a JSON object, as Ray's --resources takes). */
  static Map<String, Double> parseResources(String text) {
    Map<String, Double> m = new LinkedHashMap<>();
    String t = text.strip();
    if (t.startsWith("{") && t.endsWith("}")) {
      t = t.substring(1, t.length() - 1).replace("\"", "").replace(":", "=");
    }
    for (String part : t.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "--resources takes name=quantity pairs or a JSON object, got '" + text + "'");
      }
      String name = p.substring(0, eq).strip();
      m.put(
          name,
          io.glint.api.internal.ResourceValidation.parseQuantity(
              name, p.substring(eq + 1).strip()));
    }
    return m;
  }
}
