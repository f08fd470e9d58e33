package io.glint.cluster.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.ClusterConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite with Google's real Compute client (REST transport) against {@link
 * ComputeStandIn} on loopback, plus what only the gcp provider does: labels with fingerprints,
 * zone-operation polling, the seed's node_config, stopping and restarting cached nodes.
 */
class GcpNodeProviderTest extends ProviderConformanceTest {
  static ComputeStandIn compute;

  @org.junit.jupiter.api.io.TempDir static Path state;

  @BeforeAll
  static void start() throws Exception {
    compute = new ComputeStandIn();
    System.setProperty("glint.gcpEndpoint", compute.endpoint());
    System.setProperty("glint.clusterStateDir", state.toString());
  }

  @AfterAll
  static void stop() {
    System.clearProperty("glint.gcpEndpoint");
    System.clearProperty("glint.clusterStateDir");
    compute.close();
  }

  @Override
  String yaml(String name) {
    return """
        cluster_name: %s
        provider: {type: gcp, region: us-central1, availability_zone: us-central1-a, project_id: my-gcp-project, cache_stopped_nodes: false}
        available_node_types:
          head:
            node_config:
              machineType: n1-standard-16
              sourceImage: projects/deeplearning-platform-release/global/images/family/common-cpu
            max_workers: 0
          worker:
            node_config:
              machineType: n1-standard-16
              sourceImage: projects/deeplearning-platform-release/global/images/family/common-cpu
              scheduling: {preemptible: true}
            max_workers: 4
        """
        .formatted(name);
  }

  @Test
  void instancesAreMadeAsTheSeedSaysAndEachChangeWaitsForItsOperation() {
    ClusterConfig c = config("gcp-seed");
    try (NodeProvider p = open(c)) {
      compute.requests.clear();
      ProviderNode n =
          p.createNodes(c.nodeTypes().get("worker"), tags("gcp-seed", Tags.KIND_WORKER), 1).get(0);
      ObjectNode i = compute.instances.get(n.id());
      assertThat(n.id()).startsWith("glint-gcp-seed-worker-");
      assertThat(i.get("machineType").asText())
          .isEqualTo("zones/us-central1-a/machineTypes/n1-standard-16");
      assertThat(i.at("/disks/0/initializeParams/sourceImage").asText())
          .isEqualTo("projects/deeplearning-platform-release/global/images/family/common-cpu");
      assertThat(i.at("/scheduling/preemptible").asBoolean()).isTrue();
      assertThat(i.at("/labels/glint-cluster-name").asText()).isEqualTo("gcp-seed");
      assertThat(i.at("/serviceAccounts/0/email").asText()).isEqualTo("default");
      // As Ray's bootstrap: a key made for the project may log in as auth.ssh_user.
      Path key = state.resolve("keys/glint-gcp_my-gcp-project.pem");
      assertThat(key).exists();
      assertThat(i.at("/metadata/items/0/key").asText()).isEqualTo("ssh-keys");
      assertThat(i.at("/metadata/items/0/value").asText())
          .isEqualTo("ubuntu:" + SshKeys.publicKeyLine(key) + " glint")
          .startsWith("ubuntu:ssh-rsa AAAA");
      assertThat(n.internalIp()).startsWith("10.128.0.");
      assertThat(n.externalIp()).startsWith("203.0.113.");
      // The insert came back RUNNING; the client polled the zone operation until DONE.
      assertThat(compute.requests)
          .anySatisfy(
              r ->
                  assertThat(r)
                      .startsWith(
                          "POST /compute/v1/projects/my-gcp-project/zones/us-central1-a/instances"))
          .anySatisfy(
              r ->
                  assertThat(r)
                      .matches(
                          "GET /compute/v1/projects/my-gcp-project/zones/us-central1-a/operations/operation-\\d+"));
      // Labels change with the instance's fingerprint (a stale one is refused by the API).
      String before = i.get("labelFingerprint").asText();
      p.setNodeTags(n.id(), Map.of(Tags.NODE_STATUS, Tags.STATUS_UP_TO_DATE));
      assertThat(compute.instances.get(n.id()).get("labelFingerprint").asText())
          .isNotEqualTo(before);
      assertThat(compute.requests)
          .anySatisfy(r -> assertThat(r).endsWith("/instances/" + n.id() + "/setLabels"));
      assertThat(p.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, "gcp-seed"))).hasSize(1);
      assertThat(compute.requests)
          .anySatisfy(r -> assertThat(r).contains("filter=").contains("glint-cluster-name"));
      p.terminateNodes(List.of(n.id()));
      assertThat(compute.instances).doesNotContainKey(n.id());
    }
  }

  @Test
  void cachedStoppedNodesAreStartedAgain() {
    ClusterConfig c =
        ClusterConfigLoader.parse(
            yaml("gcp-cache").replace("cache_stopped_nodes: false", "cache_stopped_nodes: true"),
            Path.of("g.yaml"));
    try (NodeProvider p = open(c)) {
      ProviderNode n =
          p.createNodes(c.nodeTypes().get("worker"), tags("gcp-cache", Tags.KIND_WORKER), 1).get(0);
      p.terminateNodes(List.of(n.id()));
      assertThat(compute.instances.get(n.id()).get("status").asText()).isEqualTo("TERMINATED");
      assertThat(p.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, "gcp-cache"))).isEmpty();
      ProviderNode again =
          p.createNodes(c.nodeTypes().get("worker"), tags("gcp-cache", Tags.KIND_WORKER), 1).get(0);
      assertThat(again.id()).isEqualTo(n.id());
      assertThat(compute.instances.get(n.id()).get("status").asText()).isEqualTo("RUNNING");
      compute.instances.remove(n.id());
    }
  }
}
