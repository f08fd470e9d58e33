package io.glint.cluster.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A cluster YAML file, validated, with Ray's defaults filled in. Made by {@link
 * ClusterConfigLoader#load(Path)}.
 *
 * <pre>{@code
 * ClusterConfig c = ClusterConfigLoader.load(Path.of("cluster.yaml"));
 * c.headType().name();   // "head" in the seed's files
 * c.idleTimeoutMinutes(); // 5 unless the file says otherwise
 * }</pre>
 *
 * @param warnings what was accepted but is not supported (for example {@code docker})
 */
public record ClusterConfig(
    String clusterName,
    int maxWorkers,
    double upscalingSpeed,
    double idleTimeoutMinutes,
    ProviderConfig provider,
    AuthConfig auth,
    Map<String, NodeType> nodeTypes,
    String headNodeType,
    Map<String, String> fileMounts,
    List<String> initializationCommands,
    List<String> setupCommands,
    List<String> headSetupCommands,
    List<String> workerSetupCommands,
    List<String> headStartCommands,
    List<String> workerStartCommands,
    boolean noRestart,
    List<String> warnings,
    Path source) {

  /** The port the head's control service listens on (the default start commands use it). */
  public static final int HEAD_PORT = 6379;

  public NodeType headType() {
    return nodeTypes.get(headNodeType);
  }

  /** The worker node types (every type but the head's, unless the head's allows workers too). */
  public List<NodeType> workerTypes() {
    return nodeTypes.values().stream()
        .filter(t -> !t.name().equals(headNodeType) || t.maxWorkers() > 0)
        .toList();
  }

  /** The setup commands of a worker of {@code type}: the type's own, else the cluster's. */
  public List<String> workerSetupFor(NodeType type) {
    return type.workerSetupCommands() != null ? type.workerSetupCommands() : workerSetupCommands;
  }

  /** This config with other minimum worker counts (for {@code glint up --min-workers}). */
  public ClusterConfig withMinWorkers(int min) {
    Map<String, NodeType> types = new java.util.LinkedHashMap<>();
    nodeTypes.forEach(
        (n, t) ->
            types.put(
                n,
                n.equals(headNodeType)
                    ? t
                    : new NodeType(
                        t.name(),
                        t.nodeConfig(),
                        t.resources(),
                        t.labels(),
                        Math.min(min, t.maxWorkers()),
                        t.maxWorkers(),
                        t.workerSetupCommands())));
    return new ClusterConfig(
        clusterName,
        maxWorkers,
        upscalingSpeed,
        idleTimeoutMinutes,
        provider,
        auth,
        java.util.Collections.unmodifiableMap(types),
        headNodeType,
        fileMounts,
        initializationCommands,
        setupCommands,
        headSetupCommands,
        workerSetupCommands,
        headStartCommands,
        workerStartCommands,
        noRestart,
        warnings,
        source);
  }
}
