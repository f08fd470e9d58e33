package io.glint.cluster.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.ClusterConfigLoader;
import io.glint.cluster.config.NodeType;
import io.glint.cluster.provider.CommandRunner;
import io.glint.cluster.provider.NodeProvider;
import io.glint.cluster.provider.ProviderNode;
import io.glint.cluster.provider.Tags;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.CreatePlacementGroupRequest;
import io.glint.internal.proto.PlacementGroupSpec;
import io.glint.internal.proto.PlacementStrategy;
import io.glint.internal.runtime.common.AutoscalerKeys;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.control.ControlServer;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The autoscaler's round against a real control service (in this JVM) and an in-memory provider:
 * what drivers ask for through the control service (requestResources, a placement group nobody can
 * place) becomes launches, each new node is set up with the worker commands and the head's address
 * and token, and the report {@code glint status} prints is published.
 */
class MonitorTest {
  static final ClusterConfig CONFIG =
      ClusterConfigLoader.parse(
          """
          cluster_name: mon
          max_workers: 5
          provider: {type: local}
          available_node_types:
            head: {node_config: {}, resources: {CPU: 0}, max_workers: 0}
            small: {node_config: {}, resources: {CPU: 2}, max_workers: 5}
          worker_start_glint_commands: [start-worker]
          """,
          Path.of("mon.yaml"));

  ControlServer control;
  ManagedChannel channel;
  ControlServiceGrpc.ControlServiceBlockingStub stub;
  final FakeProvider provider = new FakeProvider();

  @BeforeEach
  void start() {
    control = ControlServer.start("127.0.0.1", "secret");
    channel = Grpc.channel("127.0.0.1", control.address().getPort(), "secret", null);
    stub = ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    Grpc.shutdown(channel);
    control.close();
  }

  /** Nodes in memory; every command succeeds and is remembered with its environment. */
  static final class FakeProvider implements NodeProvider {
    final Map<String, ProviderNode> nodes = new ConcurrentHashMap<>();
    final List<String> commands = new CopyOnWriteArrayList<>();
    int next;

    @Override
    public List<ProviderNode> nonTerminatedNodes(Map<String, String> filter) {
      return nodes.values().stream()
          .filter(n -> n.tags().entrySet().containsAll(filter.entrySet()))
          .toList();
    }

    @Override
    public synchronized List<ProviderNode> createNodes(
        NodeType type, Map<String, String> tags, int count) {
      List<ProviderNode> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Map<String, String> t = new LinkedHashMap<>(tags);
        t.put(Tags.NODE_TYPE, type.name());
        ProviderNode n = new ProviderNode("f-" + ++next, t, "10.0.0." + next, null, "running");
        nodes.put(n.id(), n);
        out.add(n);
      }
      return out;
    }

    @Override
    public void terminateNodes(List<String> ids) {
      ids.forEach(nodes::remove);
    }

    @Override
    public void setNodeTags(String id, Map<String, String> tags) {
      nodes.computeIfPresent(
          id,
          (k, n) -> {
            Map<String, String> t = new LinkedHashMap<>(n.tags());
            t.putAll(tags);
            return new ProviderNode(n.id(), t, n.internalIp(), n.externalIp(), n.state());
          });
    }

    @Override
    public ProviderNode node(String id) {
      return nodes.get(id);
    }

    @Override
    public CommandRunner commandRunner(ProviderNode node) {
      return new CommandRunner() {
        @Override
        public Result run(String command, Map<String, String> env, Duration timeout) {
          commands.add(node.id() + " " + command + " " + new java.util.TreeMap<>(env));
          return new Result(0, "");
        }

        @Override
        public void copyUp(Path local, String remote) {}

        @Override
        public void copyDown(String remote, Path local) {}

        @Override
        public int attach(Map<String, String> env) {
          return 0;
        }

        @Override
        public boolean reachable() {
          return true;
        }
      };
    }
  }

  @Test
  void requestedResourcesAndAPendingGroupLaunchNodesThatAreSetUpAndReported() throws Exception {
    AutoscalerKeys.request(stub, Collections.nCopies(3, Map.of("CPU", 1.0)));
    stub.createPlacementGroup(
        CreatePlacementGroupRequest.newBuilder()
            .setSpec(
                PlacementGroupSpec.newBuilder()
                    .setPlacementGroupId(ByteString.copyFromUtf8("group-one-of-18b"))
                    .setStrategy(PlacementStrategy.PLACEMENT_STRATEGY_STRICT_SPREAD)
                    .addBundles(ResourceSet.of(Map.of("CPU", 1.0)).toProto())
                    .addBundles(ResourceSet.of(Map.of("CPU", 1.0)).toProto()))
            .build());
    try (Monitor m = new Monitor(CONFIG, provider, stub, "10.0.0.100", "tok", Clock.systemUTC())) {
      ScalingDecision d = m.runOnce();
      // Two bundles that need a node each; the three requested CPUs fit on those two nodes.
      assertThat(d.launch()).containsExactly(Map.entry("small", 2));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (provider.commands.stream().filter(c -> c.contains("start-worker")).count() < 2
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(provider.commands)
          .filteredOn(c -> c.contains("start-worker"))
          .hasSize(2)
          .allSatisfy(
              c ->
                  assertThat(c)
                      .contains("GLINT_HEAD_IP=10.0.0.100")
                      .contains("GLINT_TOKEN=tok")
                      .contains("GLINT_OVERRIDE_RESOURCES={\"CPU\":2.0}"));
      assertThat(provider.nodes.values())
          .allSatisfy(n -> assertThat(n.tag(Tags.NODE_STATUS)).isEqualTo(Tags.STATUS_UP_TO_DATE));
      // The next round: the two nodes are pending (not joined), nothing more is launched.
      assertThat(m.runOnce().launch()).isEmpty();
      String report = AutoscalerKeys.status(stub).orElseThrow();
      assertThat(report)
          .contains("Autoscaler (cluster mon")
          .contains("{CPU: 1} (STRICT_SPREAD): 2 waiting")
          .contains("requested (requestResources): 3 bundles")
          .contains("launching 2 small nodes")
          .contains("f-1 (small) set up");
    }
  }
}
