package io.glint.cluster.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.provider.CommandRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cluster file the head's autoscaler reads ({@code ~/glint_bootstrap_config.yaml}), as Ray
 * makes its {@code ray_bootstrap_config.yaml}: the user's file, with what only existed on the
 * launcher's machine replaced by the head's copies: the SSH key (copied to {@code
 * ~/glint_bootstrap_key.pem}) and each file mount's source (the head's copy at the mount's target).
 */
final class BootstrapConfig {
  static final String KEY = "~/glint_bootstrap_key.pem";
  static final String MOUNTS = "~/.glint/bootstrap_mounts";

  private BootstrapConfig() {}

  /** Copies the key to the head when there is one, and returns the rewritten file (local). */
  static Path write(ClusterConfig config, CommandRunner head) {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try {
      ObjectNode root = (ObjectNode) yaml.readTree(config.source().toFile());
      String key = config.auth().sshPrivateKey();
      if (key != null) {
        head.copyUp(NodeUpdater.localPath(config.source().toAbsolutePath().getParent(), key), KEY);
        ((ObjectNode) root.get("auth")).put("ssh_private_key", KEY);
      }
      if (root.has("file_mounts")) {
        // The head keeps a copy of each mount's source for the workers it launches, apart from
        // the mount itself (a worker sharing the head's home must not copy a file onto itself).
        ObjectNode mounts = (ObjectNode) root.get("file_mounts");
        Path base = config.source().toAbsolutePath().getParent();
        int i = 0;
        for (var e : config.fileMounts().entrySet()) {
          String copy = MOUNTS + "/" + i++ + "-" + Path.of(e.getValue()).getFileName();
          head.copyUp(NodeUpdater.localPath(base, e.getValue()), copy);
          mounts.put(e.getKey(), copy);
        }
      }
      Path out = Files.createTempFile("glint-bootstrap", ".yaml");
      out.toFile().deleteOnExit();
      yaml.writeValue(out.toFile(), root);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("writing the head's copy of " + config.source(), e);
    }
  }
}
