package io.glint.internal.runtime;

import io.glint.internal.runtime.cluster.LocalCluster;
import io.glint.internal.runtime.common.DaemonArgs;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.control.DashboardLauncher;
import java.nio.file.Path;

/**
 * The embedded cluster's dashboard (as {@code ray.init()} starts one): on by default when the
 * dashboard module is on the class path, on {@code glint.dashboard.host:port} or the next free
 * port. It prints its login link once on standard error and writes it to {@code dashboard_url} in
 * the session directory (readable by this user only, as the token is).
 */
final class EmbeddedDashboard {
  private static final System.Logger LOG = System.getLogger(EmbeddedDashboard.class.getName());

  private EmbeddedDashboard() {}

  /** Starts it; returns its login link (to {@link #announce} once the driver is up), or null. */
  static String start(LocalCluster cluster, GlintConfig.Resolved cfg, String token) {
    var launcher = DashboardLauncher.find();
    if (launcher.isEmpty()) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "no dashboard: module glint-dashboard is not on the class path");
      return null;
    }
    Path session = cluster.sessionDir();
    DashboardLauncher.Dashboard d;
    try {
      d =
          launcher
              .get()
              .start(
                  cfg.dashboardHost(),
                  cfg.dashboardPort(),
                  token,
                  cluster.controlAddress(),
                  session.resolve("jobs"),
                  session.resolve("prom_metrics_service_discovery.json"));
    } catch (RuntimeException e) {
      // The cluster works without it; say why it is missing.
      System.err.println("Glint: the dashboard did not start: " + e.getMessage());
      return null;
    }
    cluster.own(d);
    String link = d.url() + "/?token=" + token;
    try {
      DaemonArgs.writeAtomically(session.resolve("dashboard_url"), link + "\n");
    } catch (java.io.IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot write " + session.resolve("dashboard_url"));
    }
    return link;
  }

  /** Prints the login link once, after the driver started (a driver that fails prints only why). */
  static void announce(String link) {
    System.err.println(
        "Glint dashboard (the link carries this cluster's token; keep it to yourself): " + link);
  }
}
