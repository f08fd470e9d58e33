package io.glint.dashboard;

import io.glint.internal.proto.Address;
import io.glint.internal.runtime.control.DashboardLauncher;

/** Found by {@code ServiceLoader}: the control service's process starts the dashboard with it. */
public final class DashboardLauncherImpl implements DashboardLauncher {
  @Override
  public Dashboard start(
      String host,
      int port,
      String token,
      Address control,
      java.nio.file.Path jobsDir,
      java.nio.file.Path serviceDiscoveryFile) {
    return DashboardServer.start(host, port, token, control, jobsDir, serviceDiscoveryFile);
  }
}
