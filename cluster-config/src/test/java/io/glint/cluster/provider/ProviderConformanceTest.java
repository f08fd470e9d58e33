package io.glint.cluster.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.ClusterConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The contract of a {@link NodeProvider}, run against each one: nodes are made with Glint's tags,
 * found again by them (from a fresh provider object, as another process would), retagged, and ended
 * by {@code down}, with nothing left and other clusters untouched.
 */
abstract class ProviderConformanceTest {
  /** The provider section and node configs of this provider, for a cluster named {@code name}. */
  abstract String yaml(String name);

  ClusterConfig config(String name) {
    return ClusterConfigLoader.parse(yaml(name), Path.of(name + ".yaml"));
  }

  NodeProvider open(ClusterConfig c) {
    return NodeProviders.create(c);
  }

  /** Whether a node has its address as soon as it is made (a pod gets one when scheduled). */
  boolean addressedAtCreation() {
    return true;
  }

  static Map<String, String> tags(String cluster, String kind) {
    return Map.of(
        Tags.CLUSTER_NAME,
        cluster,
        Tags.NODE_KIND,
        kind,
        Tags.NODE_STATUS,
        Tags.STATUS_UNINITIALIZED);
  }

  private static Set<String> ids(List<ProviderNode> nodes) {
    return nodes.stream().map(ProviderNode::id).collect(Collectors.toSet());
  }

  @Test
  void nodesCarryTheirTagsAndAreFoundAgain() {
    ClusterConfig c = config("conf-a");
    try (NodeProvider p = open(c)) {
      List<ProviderNode> head = p.createNodes(c.headType(), tags("conf-a", Tags.KIND_HEAD), 1);
      List<ProviderNode> workers =
          p.createNodes(c.nodeTypes().get("worker"), tags("conf-a", Tags.KIND_WORKER), 2);
      assertThat(head).hasSize(1);
      assertThat(workers).hasSize(2);
      for (ProviderNode n : workers) {
        assertThat(n.tag(Tags.CLUSTER_NAME)).isEqualTo("conf-a");
        assertThat(n.tag(Tags.NODE_KIND)).isEqualTo(Tags.KIND_WORKER);
        assertThat(n.tag(Tags.NODE_TYPE)).isEqualTo("worker");
        assertThat(n.tag(Tags.NODE_STATUS)).isEqualTo(Tags.STATUS_UNINITIALIZED);
        if (addressedAtCreation()) {
          assertThat(n.internalIp()).isNotBlank();
        }
      }
      assertThat(head.get(0).isHead()).isTrue();
      try (NodeProvider again = open(c)) {
        assertThat(ids(again.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, "conf-a"))))
            .containsExactlyInAnyOrderElementsOf(
                java.util.stream.Stream.concat(head.stream(), workers.stream())
                    .map(ProviderNode::id)
                    .toList());
        assertThat(
                ids(
                    again.nonTerminatedNodes(
                        Map.of(Tags.CLUSTER_NAME, "conf-a", Tags.NODE_KIND, Tags.KIND_HEAD))))
            .containsExactly(head.get(0).id());
        assertThat(again.node(workers.get(0).id()).tag(Tags.NODE_TYPE)).isEqualTo("worker");
      }
      p.terminateNodes(List.of(head.get(0).id(), workers.get(0).id(), workers.get(1).id()));
      assertThat(p.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, "conf-a"))).isEmpty();
      p.forgetCluster();
    }
  }

  @Test
  void tagsChangeAndOtherClustersAreNotSeen() {
    ClusterConfig a = config("conf-b");
    ClusterConfig other = config("conf-c");
    try (NodeProvider p = open(a);
        NodeProvider q = open(other)) {
      ProviderNode mine =
          p.createNodes(a.nodeTypes().get("worker"), tags("conf-b", Tags.KIND_WORKER), 1).get(0);
      ProviderNode theirs =
          q.createNodes(other.nodeTypes().get("worker"), tags("conf-c", Tags.KIND_WORKER), 1)
              .get(0);
      p.setNodeTags(mine.id(), Map.of(Tags.NODE_STATUS, Tags.STATUS_UP_TO_DATE));
      assertThat(p.node(mine.id()).tag(Tags.NODE_STATUS)).isEqualTo(Tags.STATUS_UP_TO_DATE);
      assertThat(ids(p.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, "conf-b"))))
          .containsExactly(mine.id());
      assertThat(
              p.nonTerminatedNodes(
                  Map.of(Tags.CLUSTER_NAME, "conf-b", Tags.NODE_STATUS, Tags.STATUS_UP_TO_DATE)))
          .hasSize(1);
      p.terminateNodes(List.of(mine.id()));
      assertThat(ids(q.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, "conf-c"))))
          .containsExactly(theirs.id());
      q.terminateNodes(List.of(theirs.id()));
      assertThat(q.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, "conf-c"))).isEmpty();
    }
  }
}
