package io.glint.cluster.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.ClusterConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite against fabric8's Kubernetes mock server in CRUD mode (a real API server
 * stand-in on loopback: the client's real HTTP calls, label selectors, create, patch and delete),
 * plus the head's service and the pod manifest checks only this provider has.
 */
class KubernetesNodeProviderTest extends ProviderConformanceTest {
  static KubernetesMockServer server;

  @BeforeAll
  static void start() {
    server =
        new KubernetesMockServer(
            new io.fabric8.mockwebserver.Context(),
            new io.fabric8.mockwebserver.MockWebServer(),
            new java.util.HashMap<>(),
            new io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher(),
            false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
  }

  @AfterAll
  static void stop() {
    server.destroy();
  }

  @Override
  String yaml(String name) {
    return """
        cluster_name: %s
        provider: {type: kubernetes, namespace: glint-test}
        available_node_types:
          head:
            node_config:
              apiVersion: v1
              kind: Pod
              spec:
                containers:
                  - {name: glint, image: "glint:0.1.0", resources: {requests: {cpu: "1"}}}
            max_workers: 0
          worker:
            node_config:
              apiVersion: v1
              kind: Pod
              metadata: {labels: {team: ml}}
              spec:
                containers:
                  - {name: glint, image: "glint:0.1.0", resources: {requests: {cpu: "2"}}}
            max_workers: 4
        """
        .formatted(name);
  }

  @Override
  NodeProvider open(ClusterConfig c) {
    return new KubernetesNodeProvider(c, server.createClient());
  }

  @Override
  boolean addressedAtCreation() {
    return false;
  }

  @Test
  void podsCarryTheManifestAndLabelsAndTheHeadGetsAService() {
    ClusterConfig c = config("k8s-pods");
    try (NodeProvider p = open(c);
        var client = server.createClient()) {
      ProviderNode head = p.createNodes(c.headType(), tags("k8s-pods", Tags.KIND_HEAD), 1).get(0);
      ProviderNode worker =
          p.createNodes(c.nodeTypes().get("worker"), tags("k8s-pods", Tags.KIND_WORKER), 1).get(0);
      Pod pod = client.pods().inNamespace("glint-test").withName(worker.id()).get();
      assertThat(pod.getMetadata().getName()).startsWith("glint-k8s-pods-worker-");
      assertThat(pod.getMetadata().getLabels())
          .containsEntry("team", "ml")
          .containsEntry(Tags.CLUSTER_NAME, "k8s-pods")
          .containsEntry(Tags.NODE_TYPE, "worker");
      assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("glint:0.1.0");
      Service svc =
          client
              .services()
              .inNamespace("glint-test")
              .withName(KubernetesNodeProvider.headService("k8s-pods"))
              .get();
      assertThat(svc.getSpec().getSelector()).containsEntry(Tags.NODE_KIND, Tags.KIND_HEAD);
      assertThat(svc.getSpec().getPorts()).extracting(x -> x.getPort()).contains(6379, 8265);
      p.terminateNodes(List.of(head.id(), worker.id()));
      p.forgetCluster();
      assertThat(
              client
                  .pods()
                  .inNamespace("glint-test")
                  .withLabel(Tags.CLUSTER_NAME, "k8s-pods")
                  .list()
                  .getItems())
          .isEmpty();
      assertThat(
              client
                  .services()
                  .inNamespace("glint-test")
                  .withName(KubernetesNodeProvider.headService("k8s-pods"))
                  .get())
          .isNull();
    }
  }

  @Test
  void aManifestWithoutContainersIsRefusedByName() {
    ClusterConfig c =
        ClusterConfigLoader.parse(
            """
            cluster_name: k8s-bad
            provider: {type: kubernetes}
            available_node_types:
              head: {node_config: {apiVersion: v1, kind: Pod}, max_workers: 0}
            """,
            Path.of("k.yaml"));
    try (NodeProvider p = open(c)) {
      assertThatThrownBy(() -> p.createNodes(c.headType(), Map.of(), 1))
          .hasMessageContaining("available_node_types.head.node_config")
          .hasMessageContaining("spec.containers");
    }
  }
}
