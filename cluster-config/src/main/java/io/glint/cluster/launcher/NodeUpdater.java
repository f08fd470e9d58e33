package io.glint.cluster.launcher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.NodeType;
import io.glint.cluster.provider.CommandRunner;
import io.glint.cluster.provider.NodeProvider;
import io.glint.cluster.provider.ProviderNode;
import io.glint.cluster.provider.Tags;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Brings one launched node into the cluster, as Ray's {@code NodeUpdater}: waits for it to answer
 * (bounded retries with back-off), copies the file mounts, runs the initialization, setup and start
 * commands, and tags the node with each phase ({@link Tags#NODE_STATUS}) so {@code glint status}
 * and the autoscaler see where it is. A failed step names the node, the command and its output.
 */
public final class NodeUpdater {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ClusterConfig config;
  private final NodeProvider provider;
  private final Consumer<String> progress;
  private final Duration reachTimeout;
  private final Duration commandTimeout;

  public NodeUpdater(
      ClusterConfig config,
      NodeProvider provider,
      Consumer<String> progress,
      Duration reachTimeout,
      Duration commandTimeout) {
    this.config = config;
    this.provider = provider;
    this.progress = progress;
    this.reachTimeout = reachTimeout;
    this.commandTimeout = commandTimeout;
  }

  /**
   * Sets {@code node} up and starts Glint on it.
   *
   * @param env what its commands see besides the defaults (GLINT_HEAD_IP, GLINT_TOKEN for workers)
   * @param startGlint false for {@code glint up --no-restart} on a head that runs already
   */
  public void update(ProviderNode node, Map<String, String> env, boolean startGlint) {
    NodeType type = config.nodeTypes().get(node.tag(Tags.NODE_TYPE));
    if (type == null) {
      throw new NodeUpdateException(
          label(node) + ": its node type '" + node.tag(Tags.NODE_TYPE) + "' is not in the config");
    }
    boolean head = node.isHead();
    try {
      CommandRunner runner = provider.commandRunner(node);
      phase(node, Tags.STATUS_WAITING_FOR_SSH, "waiting for it to answer");
      awaitReachable(node, runner);
      phase(node, Tags.STATUS_SETTING_UP, "setting up");
      Path base =
          config.source() == null ? Path.of(".") : config.source().toAbsolutePath().getParent();
      for (var m : config.fileMounts().entrySet()) {
        progress.accept(label(node) + "   file mount " + m.getValue() + " -> " + m.getKey());
        runner.copyUp(localPath(base, m.getValue()), m.getKey());
      }
      Map<String, String> all = new LinkedHashMap<>(env);
      all.put("GLINT_NODE_TYPE", type.name());
      all.put("GLINT_NODE_NAME", head ? "head" : node.id());
      all.put("GLINT_OVERRIDE_RESOURCES", resourcesJson(type));
      List<String> setup = new ArrayList<>(config.initializationCommands());
      setup.addAll(config.setupCommands());
      setup.addAll(head ? config.headSetupCommands() : config.workerSetupFor(type));
      for (String c : setup) {
        run(node, runner, c, all);
      }
      if (startGlint) {
        phase(node, Tags.STATUS_STARTING, "starting Glint");
        for (String c : head ? config.headStartCommands() : config.workerStartCommands()) {
          run(node, runner, c, all);
        }
      }
      phase(node, Tags.STATUS_UP_TO_DATE, "up to date");
    } catch (RuntimeException e) {
      provider.setNodeTags(node.id(), Map.of(Tags.NODE_STATUS, Tags.STATUS_UPDATE_FAILED));
      progress.accept(label(node) + " failed: " + e.getMessage());
      throw e instanceof NodeUpdateException ? e : new NodeUpdateException(label(node) + ": " + e);
    }
  }

  private void awaitReachable(ProviderNode node, CommandRunner runner) {
    long deadline = System.nanoTime() + reachTimeout.toNanos();
    long delay = 500;
    int tries = 0;
    while (!runner.reachable()) {
      tries++;
      if (System.nanoTime() + delay * 1_000_000 > deadline) {
        throw new NodeUpdateException(
            label(node)
                + ": did not answer within "
                + reachTimeout.toSeconds()
                + " s ("
                + tries
                + " tries); check that it booted, its security group or firewall lets SSH in,"
                + " and auth.ssh_user/ssh_private_key");
      }
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NodeUpdateException(label(node) + ": interrupted while waiting for it");
      }
      delay = Math.min(delay * 2, 10_000);
    }
  }

  private void run(
      ProviderNode node, CommandRunner runner, String command, Map<String, String> env) {
    progress.accept(label(node) + "   $ " + command);
    CommandRunner.Result r = runner.run(command, env, commandTimeout);
    if (!r.ok()) {
      throw new NodeUpdateException(
          label(node)
              + ": the command '"
              + command
              + "' exited with "
              + r.exitCode()
              + (r.output().isEmpty()
                  ? " and printed nothing"
                  : "; it printed:\n" + indent(r.output())));
    }
  }

  private static String indent(String text) {
    return "    " + text.replace("\n", "\n    ");
  }

  private void phase(ProviderNode node, String status, String words) {
    provider.setNodeTags(node.id(), Map.of(Tags.NODE_STATUS, status));
    progress.accept(label(node) + " " + words);
  }

  /** A file mount's source: {@code ~/x} in this user's home, else relative to the config file. */
  static Path localPath(Path base, String source) {
    return source.equals("~") || source.startsWith("~/")
        ? io.glint.cluster.provider.Shell.expandHome(source)
        : base.resolve(source);
  }

  static String label(ProviderNode node) {
    return "["
        + (node.isHead() ? "head" : node.tag(Tags.NODE_TYPE))
        + " "
        + node.id()
        + (node.internalIp() == null ? "" : " " + node.internalIp())
        + "]";
  }

  /** The type's resources for {@code glint start} (GLINT_OVERRIDE_RESOURCES, as Ray's). */
  static String resourcesJson(NodeType type) {
    try {
      return JSON.writeValueAsString(type.resources());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
