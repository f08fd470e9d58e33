package io.glint.internal.runtime.node;

import io.glint.internal.proto.Address;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Starts a node daemon's Prometheus endpoint. The implementation lives in the dashboard module
 * (found with {@code ServiceLoader}), so the runtime carries no metrics library; a node without
 * that module on its class path simply has no endpoint.
 */
public interface NodeMetricsLauncher {
  /** A running endpoint; it reads the node through the node's own service once attached. */
  interface Exporter extends AutoCloseable {
    int port();

    /** The node is up: scrapes read it from now on (before this they answer 503). */
    void attach(Address node);

    @Override
    void close();
  }

  /** Listens on {@code host:port} (0: any free port), behind the cluster token. */
  Exporter start(String host, int port, String token);

  static Optional<NodeMetricsLauncher> find() {
    return ServiceLoader.load(NodeMetricsLauncher.class).findFirst();
  }
}
