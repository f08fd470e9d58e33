package io.glint.cluster.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.cluster.config.ClusterConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalNodeProviderTest extends ProviderConformanceTest {
  @TempDir Path state;

  @Override
  String yaml(String name) {
    return """
        cluster_name: %s
        provider: {type: local}
        available_node_types:
          head: {node_config: {}, resources: {CPU: 0}, max_workers: 0}
          worker: {node_config: {}, resources: {CPU: 2}, max_workers: 4}
        """
        .formatted(name);
  }

  @Override
  NodeProvider open(ClusterConfig c) {
    return new LocalNodeProvider(c.clusterName(), state, null);
  }

  @Test
  void eachNodeHasAnAddressAndAHomeOfItsOwnAndDownLeavesNothing() {
    ClusterConfig c = config("homes");
    try (NodeProvider p = open(c)) {
      List<ProviderNode> two =
          p.createNodes(c.nodeTypes().get("worker"), tags("homes", Tags.KIND_WORKER), 2);
      assertThat(two.get(0).internalIp()).isNotEqualTo(two.get(1).internalIp());
      assertThat(two.get(0).internalIp()).startsWith("127.").doesNotStartWith("127.0.0.");
      CommandRunner r = p.commandRunner(two.get(0));
      CommandRunner.Result res =
          r.run(
              "echo $GLINT_NODE_IP_ADDRESS > ~/where; cat ~/where; echo $X",
              Map.of("X", "x!"),
              Duration.ofSeconds(10));
      assertThat(res.ok()).isTrue();
      assertThat(res.output()).isEqualTo(two.get(0).internalIp() + "\nx!");
      assertThat(Files.exists(state.resolve("homes").resolve(two.get(0).id()).resolve("where")))
          .isTrue();
      assertThat(r.run("exit 7", Map.of(), Duration.ofSeconds(10)).exitCode()).isEqualTo(7);
      CommandRunner.Result slow = r.run("sleep 30", Map.of(), Duration.ofMillis(300));
      assertThat(slow.exitCode()).isEqualTo(124);
      p.terminateNodes(two.stream().map(ProviderNode::id).toList());
      p.forgetCluster();
      assertThat(state.resolve("homes")).doesNotExist();
    }
  }
}
