package io.glint.cluster.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterConfigLoaderTest {
  private static String resource(String name) throws IOException {
    try (InputStream in = ClusterConfigLoaderTest.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void theSeedsAwsFileParsesWithRaysDefaults() throws IOException {
    ClusterConfig c = ClusterConfigLoader.parse(resource("cluster-aws.yaml"), Path.of("aws.yaml"));
    assertThat(c.clusterName()).isEqualTo("my-ray-cluster");
    assertThat(c.provider().type()).isEqualTo("aws");
    assertThat(c.provider().region()).isEqualTo("us-west-2");
    assertThat(c.provider().cacheStoppedNodes()).isTrue();
    assertThat(c.headNodeType()).isEqualTo("head");
    assertThat(c.headType().nodeConfig().get("InstanceType").asText()).isEqualTo("m5.4xlarge");
    assertThat(c.nodeTypes().get("worker").minWorkers()).isEqualTo(2);
    assertThat(c.nodeTypes().get("worker").maxWorkers()).isEqualTo(10);
    assertThat(c.workerTypes()).extracting(NodeType::name).containsExactly("worker");
    assertThat(c.maxWorkers()).isEqualTo(2);
    assertThat(c.upscalingSpeed()).isEqualTo(1.0);
    assertThat(c.idleTimeoutMinutes()).isEqualTo(5.0);
    assertThat(c.auth().sshUser()).isEqualTo("ubuntu");
    assertThat(c.setupCommands()).containsExactly("pip install ray[default] numpy pandas");
    assertThat(c.headStartCommands()).contains("glint stop");
    assertThat(c.warnings()).isEmpty();
  }

  @Test
  void theSeedsGcpFileParses() throws IOException {
    ClusterConfig c = ClusterConfigLoader.parse(resource("cluster-gcp.yaml"), Path.of("gcp.yaml"));
    assertThat(c.provider().type()).isEqualTo("gcp");
    assertThat(c.provider().projectId()).isEqualTo("my-gcp-project");
    assertThat(c.provider().availabilityZone()).isEqualTo("us-central1-a");
    assertThat(c.nodeTypes().get("worker").nodeConfig().get("machineType").asText())
        .isEqualTo("n1-standard-16");
  }

  @Test
  void dockerIsAcceptedAndReportedAsUnsupported() throws IOException {
    ClusterConfig c =
        ClusterConfigLoader.parse(
            resource("cluster-aws.yaml") + "docker:\n  image: rayproject/ray:latest\n",
            Path.of("aws.yaml"));
    assertThat(c.warnings()).singleElement().asString().contains("docker: not supported");
  }

  @Test
  void rayStartCommandNamesAreAccepted() throws IOException {
    ClusterConfig c =
        ClusterConfigLoader.parse(
            resource("cluster-aws.yaml") + "worker_start_ray_commands:\n  - echo hi\n",
            Path.of("aws.yaml"));
    assertThat(c.workerStartCommands()).containsExactly("echo hi");
  }

  /**
   * Ten broken variants of the seed's AWS file: each replaces one line (or appends one) and must
   * fail naming the key, the line and, for a misspelling, the closest valid key.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          misspelt top-level key     | cluster_name: my-ray-cluster | clustr_name: x                | aws.yaml:2: clustr_name: unknown key (did you mean 'cluster_name'?)
          misspelt provider key      | '  region: us-west-2'        | '  regoin: us-west-2'         | aws.yaml:5: provider.regoin: unknown key (did you mean 'region'?)
          misspelt node type key     | '    max_workers: 10'        | '    max_worker: 10'          | aws.yaml:20: available_node_types.worker.max_worker: unknown key (did you mean 'max_workers'?)
          wrong type                 | '    min_workers: 2'         | '    min_workers: two'        | aws.yaml:19: available_node_types.worker.min_workers: wrong type
          negative count             | '    min_workers: 2'         | '    min_workers: -1'         | aws.yaml:19: available_node_types.worker.min_workers: must have a minimum value of 0
          unknown provider           | '  type: aws'                | '  type: azure'               | aws.yaml:4: provider.type: does not have a value in the enumeration
          min above max              | '    max_workers: 10'        | '    max_workers: 1'          | aws.yaml:19: available_node_types.worker.min_workers: 2 is more than its max_workers (1)
          aws without region         | '  region: us-west-2'        | '  cache_stopped_nodes: true' | aws.yaml:3: provider.region: the aws provider needs it
          no head type               | '  head:'                    | '  leader:'                   | aws.yaml:8: head_node_type: missing, and no node type is named 'head'
          setup command not a string | '  - pip install ray[default] numpy pandas' | '  - {run: 1}' | aws.yaml:22: setup_commands[0]: wrong type
          """)
  void brokenVariantsNameKeyAndLine(String name, String line, String replacement, String error)
      throws IOException {
    String seed = resource("cluster-aws.yaml");
    assertThat(seed).contains(line + "\n");
    String broken =
        seed.replaceFirst(java.util.regex.Pattern.quote(line + "\n"), replacement + "\n");
    assertThatThrownBy(() -> ClusterConfigLoader.parse(broken, Path.of("aws.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(error);
  }

  @Test
  void aHeadNodeTypeThatIsNotATypeSuggestsTheClosest() throws IOException {
    assertThatThrownBy(
            () ->
                ClusterConfigLoader.parse(
                    resource("cluster-aws.yaml") + "head_node_type: haed\n", Path.of("aws.yaml")))
        .hasMessageContaining("aws.yaml:23: head_node_type: 'haed' is not one of")
        .hasMessageContaining("did you mean 'head'?");
  }

  @Test
  void invalidYamlNamesItsLine() {
    assertThatThrownBy(
            () -> ClusterConfigLoader.parse("cluster_name: x\nprovider: [\n", Path.of("c.yaml")))
        .hasMessageStartingWith("c.yaml:")
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void everyProblemIsListed() {
    assertThatThrownBy(
            () ->
                ClusterConfigLoader.parse(
                    "cluster_name: x\nprovider:\n  type: local\nmax_wokers: 2\nidle_timeout: 1\n"
                        + "available_node_types:\n  head:\n    node_config: {}\n",
                    Path.of("c.yaml")))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "c.yaml:4: max_wokers: unknown key (did you mean 'max_workers'?)",
                        "c.yaml:5: idle_timeout: unknown key (did you mean"
                            + " 'idle_timeout_minutes'?)"));
  }
}
