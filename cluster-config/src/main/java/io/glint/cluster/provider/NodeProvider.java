package io.glint.cluster.provider;

import io.glint.cluster.config.NodeType;
import java.util.List;
import java.util.Map;

/**
 * Makes, finds and ends a cluster's machines: Ray's {@code NodeProvider}. One implementation per
 * {@code provider.type}; {@code ProviderConformanceTest} is the contract every one passes.
 *
 * <p>Every node carries {@link Tags}; {@link #nonTerminatedNodes} finds a cluster's nodes by them
 * (from any process: the launcher on a laptop, the autoscaler on the head).
 */
public interface NodeProvider extends AutoCloseable {
  /**
   * The nodes not terminated (pending, running, and stopping) whose tags include {@code filter}.
   */
  List<ProviderNode> nonTerminatedNodes(Map<String, String> filter);

  /**
   * Launches {@code count} nodes of {@code type} carrying {@code tags} (a stopped node of the same
   * type is started again instead when the provider caches stopped nodes).
   */
  List<ProviderNode> createNodes(NodeType type, Map<String, String> tags, int count);

  /** Ends these nodes (stops them instead when the provider caches stopped nodes). */
  void terminateNodes(List<String> ids);

  /** Adds or replaces tags on a node. */
  void setNodeTags(String id, Map<String, String> tags);

  /** The node now, or null when it is terminated or unknown. */
  ProviderNode node(String id);

  /** How the launcher runs commands and copies files on {@code node}. */
  CommandRunner commandRunner(ProviderNode node);

  /**
   * After {@code glint down}: removes what the provider kept about a cluster with no nodes left.
   */
  default void forgetCluster() {}

  /**
   * For {@code glint down}: ends Glint on nodes this process has no record of but that may run for
   * the cluster (fixed hosts whose records the head's autoscaler kept); how many ran something.
   */
  default int endUnrecorded() {
    return 0;
  }

  @Override
  default void close() {}
}
