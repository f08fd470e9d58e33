package io.glint.cluster.provider;

import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.ConfigException;
import java.nio.file.Path;
import java.util.List;

/** The provider a cluster config names. */
public final class NodeProviders {
  private NodeProviders() {}

  /**
   * Where the launcher keeps what it made (the local provider's nodes, cloud key pairs):
   * GLINT_CLUSTER_STATE_DIR, else the glint.clusterStateDir property, else ~/.glint/clusters.
   */
  public static Path stateDir() {
    String env = System.getenv("GLINT_CLUSTER_STATE_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String prop = System.getProperty("glint.clusterStateDir");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    return Path.of(System.getProperty("user.home"), ".glint", "clusters");
  }

  /** The Glint installation nodes run: glint.home, else GLINT_HOME, else null (glint on PATH). */
  public static Path glintHome() {
    String prop = System.getProperty("glint.home");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String env = System.getenv("GLINT_HOME");
    return env == null || env.isBlank() ? null : Path.of(env);
  }

  public static NodeProvider create(ClusterConfig config) {
    String where = config.source() == null ? "cluster.yaml" : config.source().toString();
    return switch (config.provider().type()) {
      case "local" -> {
        if (!config.provider().workerIps().isEmpty() || config.provider().headIp() != null) {
          throw new ConfigException(
              where,
              List.of(
                  where
                      + ": provider.head_ip/worker_ips (nodes on other hosts over SSH) are not"
                      + " supported yet; without them the local provider runs every node on this"
                      + " machine"));
        }
        yield new LocalNodeProvider(config.clusterName(), stateDir(), glintHome());
      }
      case "aws" -> new AwsNodeProvider(config);
      default ->
          throw new ConfigException(
              where,
              List.of(
                  where
                      + ": provider.type '"
                      + config.provider().type()
                      + "' is not supported yet (aws and local are)"));
    };
  }
}
