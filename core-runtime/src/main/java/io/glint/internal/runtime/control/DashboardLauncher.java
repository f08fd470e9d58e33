package io.glint.internal.runtime.control;

import io.glint.internal.proto.Address;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Starts the dashboard (module {@code glint-dashboard}, found by {@link ServiceLoader}) next to a
 * control service: an HTTP server with the cluster's REST API and Prometheus metrics, protected by
 * the cluster token.
 */
public interface DashboardLauncher {
  /** A running dashboard. */
  interface Dashboard extends AutoCloseable {
    /** Where it listens, {@code http://host:port}. */
    String url();

    @Override
    void close();
  }

  /**
   * Starts it on {@code host:port} (the next free port when taken; 0: any) for the cluster whose
   * control service is at {@code control}; submitted jobs live under {@code jobsDir}, and {@code
   * serviceDiscoveryFile} (when not null) lists the metrics endpoints of the head and every node
   * for Prometheus, kept current.
   */
  Dashboard start(
      String host,
      int port,
      String token,
      Address control,
      java.nio.file.Path jobsDir,
      java.nio.file.Path serviceDiscoveryFile);

  /** As above, writing no Prometheus service-discovery file. */
  default Dashboard start(
      String host, int port, String token, Address control, java.nio.file.Path jobsDir) {
    return start(host, port, token, control, jobsDir, null);
  }

  /** As above, with submitted jobs' directories and logs under the temp directory. */
  default Dashboard start(String host, int port, String token, Address control) {
    return start(
        host,
        port,
        token,
        control,
        java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "glint-jobs-" + port));
  }

  /** The dashboard implementation on the class path, if any. */
  static Optional<DashboardLauncher> find() {
    return ServiceLoader.load(DashboardLauncher.class).findFirst();
  }
}
