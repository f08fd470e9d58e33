package io.glint.cli;

import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.GetClusterResourcesRequest;
import io.glint.internal.proto.GetObjectStoreStatsRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ObjectStoreStats;
import io.glint.internal.proto.ResourceDemand;
import io.glint.internal.runtime.cluster.ClusterRecords;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.store.ByteSizes;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code glint status}: Ray's {@code ray status}, for the cluster at an address. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Shows the cluster's nodes (alive, dead), resources used and total, object stores,"
            + " transfers between nodes, and pending and infeasible demand.")
final class StatusCommand implements Callable<Integer> {
  @Option(
      names = "--address",
      description = "The control service (default: GLINT_ADDRESS, else the cluster started last).")
  String address;

  @Option(names = "--temp-dir", description = "Where glint start recorded clusters.")
  Path tempDir;

  /** A cluster's control service and its token, as the user's commands find them. */
  record Target(String address, String token) {
    ManagedChannel channel() {
      String[] hp = address.split(":");
      return Grpc.channel(hp[0], Integer.parseInt(hp[1]), token, null);
    }
  }

  /**
   * {@code --address}, else GLINT_ADDRESS, else the cluster this user started last; the token is
   * GLINT_TOKEN, else the one recorded for that address.
   */
  static Target target(String address, Path tempDir) {
    Path dir =
        tempDir != null
            ? tempDir
            : GlintConfig.fromSystem().resolve(io.glint.api.InitOptions.defaults()).tempDir();
    ClusterRecords records = new ClusterRecords(dir);
    String addr = address != null ? address : System.getenv("GLINT_ADDRESS");
    if (addr == null || addr.isBlank() || addr.equals("auto")) {
      addr =
          records
              .latest()
              .map(ClusterRecords.Cluster::address)
              .orElseThrow(
                  () ->
                      new GlintCli.UserError(
                          "no cluster is running here (under "
                              + dir
                              + "); give --address HOST:PORT or start one with glint start --head"));
    }
    String token = System.getenv("GLINT_TOKEN");
    if (token == null || token.isBlank()) {
      token =
          records
              .token(addr)
              .orElseThrow(
                  () -> new GlintCli.UserError("the cluster at this address needs GLINT_TOKEN"));
    }
    String[] hp = addr.split(":");
    if (hp.length != 2 || !hp[1].matches("\\d+")) {
      throw new GlintCli.UserError("--address must be host:port, got '" + addr + "'");
    }
    return new Target(addr, token);
  }

  @Override
  public Integer call() {
    Target t = target(address, tempDir);
    String addr = t.address();
    String token = t.token();
    ManagedChannel ch = t.channel();
    try {
      GetClusterResourcesReply r =
          ControlServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .getClusterResources(GetClusterResourcesRequest.getDefaultInstance());
      print(System.out, addr, r, stores(r.getNodesList(), token));
      printGroups(
          System.out,
          ControlServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .getPlacementGroups(
                  io.glint.internal.proto.GetPlacementGroupsRequest.getDefaultInstance())
              .getGroupsList());
      io.glint.internal.runtime.common.AutoscalerKeys.status(
              ControlServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS))
          .ifPresent(
              report -> {
                System.out.println();
                System.out.print(report);
              });
      return 0;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
        throw new GlintCli.UserError(
            "the cluster at " + addr + " refused the token: set GLINT_TOKEN to its token");
      }
      throw new GlintCli.UserError(
          "cannot reach the control service at " + addr + " (" + e.getStatus().getCode() + ")");
    } finally {
      Grpc.shutdown(ch);
    }
  }

  private static Map<String, ObjectStoreStats> stores(List<NodeInfo> nodes, String token) {
    Map<String, ObjectStoreStats> out = new LinkedHashMap<>();
    for (NodeInfo n : nodes) {
      if (!n.getAlive()) {
        continue;
      }
      ManagedChannel ch =
          Grpc.channel(n.getAddress().getHost(), n.getAddress().getPort(), token, null);
      try {
        out.put(
            Ids.hex(n.getNodeId()),
            NodeServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .getObjectStoreStats(GetObjectStoreStatsRequest.getDefaultInstance()));
      } catch (StatusRuntimeException e) {
        // the node went away meanwhile
      } finally {
        Grpc.shutdown(ch);
      }
    }
    return out;
  }

  static void print(
      PrintStream out, String addr, GetClusterResourcesReply r, Map<String, ObjectStoreStats> st) {
    List<NodeInfo> alive = r.getNodesList().stream().filter(NodeInfo::getAlive).toList();
    List<NodeInfo> dead = r.getNodesList().stream().filter(n -> !n.getAlive()).toList();
    Map<String, String> names = new LinkedHashMap<>();
    r.getNodesList().forEach(n -> names.put(Ids.hex(n.getNodeId()), name(n)));
    out.println("======== Cluster status: " + addr + " ========");
    out.println("Node status");
    out.println("-".repeat(60));
    out.println("Alive:");
    out.println(" " + alive.size() + " node" + (alive.size() == 1 ? "" : "s"));
    for (NodeInfo n : alive) {
      ResourceSet total = ResourceSet.fromProto(n.getTotal());
      ResourceSet avail = ResourceSet.fromProto(n.getAvailable());
      out.printf(
          "  %-10s %-21s %s  (id %s)%n",
          name(n),
          n.getAddress().getHost() + ":" + n.getAddress().getPort(),
          usage(total, avail),
          Ids.shortHex(n.getNodeId()));
    }
    out.println("Dead:");
    out.println(" " + dead.size() + " node" + (dead.size() == 1 ? "" : "s"));
    for (NodeInfo n : dead) {
      out.printf(
          "  %-10s %-21s %s%n",
          name(n), n.getAddress().getHost() + ":" + n.getAddress().getPort(), n.getDeathReason());
    }
    out.println();
    out.println("Resources");
    out.println("-".repeat(60));
    out.println("Usage:");
    ResourceSet total = ResourceSet.fromProto(r.getTotal());
    ResourceSet avail = ResourceSet.fromProto(r.getAvailable());
    for (var e : total.toMap().entrySet()) {
      double t = e.getValue();
      double used = t - avail.toMap().getOrDefault(e.getKey(), 0.0);
      if (e.getKey().equals(ResourceSet.MEMORY)) {
        out.printf(" %s/%s memory%n", ByteSizes.format((long) used), ByteSizes.format((long) t));
      } else {
        out.printf(" %s/%s %s%n", num(used), num(t), e.getKey());
      }
    }
    out.println("Object stores:");
    for (var e : st.entrySet()) {
      ObjectStoreStats s = e.getValue();
      StringBuilder peers = new StringBuilder();
      for (var p : s.getPeersList()) {
        String peer =
            p.getNodeId().isValidUtf8() && p.getNodeId().toStringUtf8().equals("driver")
                ? "drivers"
                : names.getOrDefault(Ids.hex(p.getNodeId()), Ids.shortHex(p.getNodeId()));
        peers
            .append(peers.length() == 0 ? "" : ", ")
            .append(peer)
            .append(" sent ")
            .append(ByteSizes.format(p.getBytesSent()))
            .append(" received ")
            .append(ByteSizes.format(p.getBytesReceived()));
      }
      out.printf(
          "  %-10s %s / %s used, %d objects, %s spilled; sent %s, received %s%s%n",
          names.getOrDefault(e.getKey(), e.getKey()),
          ByteSizes.format(s.getUsedBytes()),
          ByteSizes.format(s.getCapacityBytes()),
          s.getObjectCount(),
          ByteSizes.format(s.getSpilledBytesTotal()),
          ByteSizes.format(s.getBytesSentTotal()),
          ByteSizes.format(s.getBytesReceivedTotal()),
          peers.length() == 0 ? "" : " (" + peers + ")");
    }
    out.println();
    out.println("Demands:");
    Map<ResourceSet, Integer> demand = new LinkedHashMap<>();
    for (NodeInfo n : alive) {
      for (ResourceDemand d : n.getDemandList()) {
        demand.merge(ResourceSet.fromProto(d.getShape()), d.getCount(), Integer::sum);
      }
    }
    if (demand.isEmpty()) {
      out.println(" (no resource demands)");
    }
    for (var e : demand.entrySet()) {
      boolean feasible =
          alive.stream().anyMatch(n -> e.getKey().fitsIn(ResourceSet.fromProto(n.getTotal())));
      out.printf(
          " %s: %d pending%s%n",
          e.getKey().describe(),
          e.getValue(),
          feasible ? "" : " (infeasible: no node has that much)");
    }
  }

  static void printGroups(
      PrintStream out, List<io.glint.internal.proto.PlacementGroupInfo> groups) {
    List<io.glint.internal.proto.PlacementGroupInfo> live =
        groups.stream()
            .filter(
                g ->
                    g.getState()
                        != io.glint.internal.proto.PlacementGroupState
                            .PLACEMENT_GROUP_STATE_REMOVED)
            .toList();
    if (live.isEmpty()) {
      return;
    }
    out.println("Placement groups:");
    for (var g : live) {
      String name =
          g.getSpec().getName().isEmpty()
              ? Ids.shortHex(g.getSpec().getPlacementGroupId())
              : g.getSpec().getName();
      String state =
          switch (g.getState()) {
            case PLACEMENT_GROUP_STATE_CREATED -> "created";
            case PLACEMENT_GROUP_STATE_RESCHEDULING -> "rescheduling";
            default -> "pending";
          };
      out.printf(
          " %s: %s, %d bundles, %s%s%n",
          name,
          g.getSpec().getStrategy().name().replace("PLACEMENT_STRATEGY_", ""),
          g.getSpec().getBundlesCount(),
          state,
          g.getPendingReason().isEmpty() ? "" : " (" + g.getPendingReason() + ")");
    }
  }

  private static String usage(ResourceSet total, ResourceSet avail) {
    StringBuilder sb = new StringBuilder();
    for (var e : total.toMap().entrySet()) {
      if (e.getKey().equals(ResourceSet.MEMORY)) {
        continue;
      }
      double used = e.getValue() - avail.toMap().getOrDefault(e.getKey(), 0.0);
      sb.append(sb.length() == 0 ? "" : ", ")
          .append(num(used))
          .append('/')
          .append(num(e.getValue()))
          .append(' ')
          .append(e.getKey());
    }
    return sb.toString();
  }

  private static String name(NodeInfo n) {
    return n.getNodeName().isEmpty() ? Ids.shortHex(n.getNodeId()) : n.getNodeName();
  }

  private static String num(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format("%.2f", v);
  }
}
