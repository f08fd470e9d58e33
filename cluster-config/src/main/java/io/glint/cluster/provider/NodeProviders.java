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
        var p = config.provider();
        if (p.headIp() == null && !p.workerIps().isEmpty()) {
          throw new ConfigException(
              where, List.of(where + ": provider.worker_ips needs provider.head_ip too"));
        }
        if (p.headIp() != null && config.auth().sshPrivateKey() == null) {
          throw new ConfigException(
              where,
              List.of(
                  where
                      + ": auth.ssh_private_key: the local provider logs in to head_ip and"
                      + " worker_ips over SSH and needs the key"));
        }
        yield new LocalNodeProvider(
            config.clusterName(),
            stateDir(),
            glintHome(),
            p.headIp(),
            p.workerIps(),
            config.auth());
      }
      case "aws" -> new AwsNodeProvider(config);
      case "gcp" -> new GcpNodeProvider(config);
      case "kubernetes" ->
          new KubernetesNodeProvider(
              config, new io.fabric8.kubernetes.client.KubernetesClientBuilder().build());
      default ->
          throw new ConfigException(
              where,
              List.of(
                  where
                      + ": provider.type '"
                      + config.provider().type()
                      + "' is not supported yet (aws, kubernetes and local are)"));
    };
  }
}
