package io.glint.cluster.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.cluster.config.ClusterConfig;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The conformance suite against moto's EC2 and IAM server (real SDK calls over HTTP on loopback;
 * nothing connects to the addresses moto hands out), plus what only the aws provider does: it makes
 * its key pair, security group and instance profile, tags instances with {@code Name}, and stops
 * instead of terminating when {@code cache_stopped_nodes} is on, starting them again on the next
 * launch.
 */
class AwsNodeProviderTest extends ProviderConformanceTest {
  static Process moto;
  static String endpoint;
  @TempDir static Path state;

  @BeforeAll
  static void startMoto() throws Exception {
    Assumptions.assumeTrue(
        new ProcessBuilder("sh", "-c", "command -v moto_server").start().waitFor() == 0,
        "moto_server is not installed");
    int port;
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    moto =
        new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", String.valueOf(port))
            .redirectErrorStream(true)
            .redirectOutput(state.resolve("moto.log").toFile())
            .start();
    endpoint = "http://127.0.0.1:" + port;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        HttpURLConnection c =
            (HttpURLConnection) URI.create(endpoint + "/moto-api/").toURL().openConnection();
        c.setConnectTimeout(500);
        if (c.getResponseCode() > 0) {
          break;
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !moto.isAlive()) {
          throw new IllegalStateException("moto_server did not start", e);
        }
        Thread.sleep(200);
      }
    }
    System.setProperty("aws.endpointUrl", endpoint);
    System.setProperty("aws.accessKeyId", "testing");
    System.setProperty("aws.secretAccessKey", "testing");
    System.setProperty("glint.clusterStateDir", state.toString());
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      moto.destroy();
    }
    System.clearProperty("aws.endpointUrl");
    System.clearProperty("glint.clusterStateDir");
  }

  @Override
  String yaml(String name) {
    return """
        cluster_name: %s
        provider: {type: aws, region: us-west-2, availability_zone: us-west-2a, cache_stopped_nodes: false}
        available_node_types:
          head:
            node_config: {InstanceType: m5.large, ImageId: ami-12c6146b}
            max_workers: 0
          worker:
            node_config: {InstanceType: m5.4xlarge, ImageId: ami-12c6146b}
            max_workers: 4
        """
        .formatted(name);
  }

  static Ec2Client ec2() {
    return Ec2Client.builder()
        .region(Region.US_WEST_2)
        .endpointOverride(URI.create(endpoint))
        .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
        .build();
  }

  @Test
  void launchesMakeKeyPairSecurityGroupAndProfileAndTagInstances() {
    ClusterConfig c = config("aws-boot");
    try (NodeProvider p = open(c);
        Ec2Client ec2 = ec2();
        IamClient iam =
            IamClient.builder()
                .region(Region.AWS_GLOBAL)
                .endpointOverride(URI.create(endpoint))
                .httpClient(
                    software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .build()) {
      ProviderNode n =
          p.createNodes(c.nodeTypes().get("worker"), tags("aws-boot", Tags.KIND_WORKER), 1).get(0);
      Instance i =
          ec2.describeInstances(r -> r.instanceIds(n.id()))
              .reservations()
              .get(0)
              .instances()
              .get(0);
      assertThat(i.instanceTypeAsString()).isEqualTo("m5.4xlarge");
      assertThat(i.placement().availabilityZone()).isEqualTo("us-west-2a");
      assertThat(i.keyName()).isEqualTo("glint-autoscaler_us-west-2");
      assertThat(i.tags())
          .anySatisfy(
              t -> assertThat(t.key() + "=" + t.value()).isEqualTo("Name=glint-aws-boot-worker"))
          .anySatisfy(
              t -> assertThat(t.key() + "=" + t.value()).isEqualTo("glint-user-node-type=worker"));
      var group =
          ec2.describeSecurityGroups(
                  r ->
                      r.filters(
                          Filter.builder()
                              .name("group-name")
                              .values("glint-autoscaler-aws-boot")
                              .build()))
              .securityGroups();
      assertThat(group).hasSize(1);
      assertThat(i.securityGroups())
          .anySatisfy(g -> assertThat(g.groupId()).isEqualTo(group.get(0).groupId()));
      assertThat(group.get(0).ipPermissions())
          .anySatisfy(x -> assertThat(x.fromPort()).isEqualTo(22));
      assertThat(state.resolve("keys/glint-autoscaler_us-west-2.pem")).exists();
      assertThat(
              iam.getInstanceProfile(r -> r.instanceProfileName(AwsNodeProvider.INSTANCE_PROFILE))
                  .instanceProfile()
                  .roles())
          .isNotEmpty();
      p.terminateNodes(List.of(n.id()));
      assertThat(p.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, "aws-boot"))).isEmpty();
    }
  }

  @Test
  void cachedStoppedNodesAreStartedAgain() {
    ClusterConfig c =
        io.glint.cluster.config.ClusterConfigLoader.parse(
            yaml("aws-cache").replace("cache_stopped_nodes: false", "cache_stopped_nodes: true"),
            Path.of("c.yaml"));
    try (NodeProvider p = open(c);
        Ec2Client ec2 = ec2()) {
      ProviderNode n =
          p.createNodes(c.nodeTypes().get("worker"), tags("aws-cache", Tags.KIND_WORKER), 1).get(0);
      p.terminateNodes(List.of(n.id()));
      assertThat(
              ec2.describeInstances(r -> r.instanceIds(n.id()))
                  .reservations()
                  .get(0)
                  .instances()
                  .get(0)
                  .state()
                  .nameAsString())
          .isIn("stopping", "stopped");
      assertThat(p.nonTerminatedNodes(Map.of(Tags.CLUSTER_NAME, "aws-cache"))).isEmpty();
      ProviderNode again =
          p.createNodes(c.nodeTypes().get("worker"), tags("aws-cache", Tags.KIND_WORKER), 1).get(0);
      assertThat(again.id()).isEqualTo(n.id());
      ec2.terminateInstances(r -> r.instanceIds(n.id()));
    }
  }

  @Test
  void unknownNodeConfigKeysAreRefusedByName() {
    ClusterConfig c =
        io.glint.cluster.config.ClusterConfigLoader.parse(
            yaml("aws-bad")
                .replace(
                    "ImageId: ami-12c6146b}\n    max_workers: 4",
                    "ImageId: ami-12c6146b, InstanceTyp: x}\n    max_workers: 4"),
            Path.of("c.yaml"));
    try (NodeProvider p = open(c)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () ->
                  p.createNodes(c.nodeTypes().get("worker"), tags("aws-bad", Tags.KIND_WORKER), 1))
          .hasMessageContaining("node_config")
          .hasMessageContaining("InstanceTyp");
    }
  }
}
