package io.glint.cli;

import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.GetClusterResourcesRequest;
import io.glint.internal.proto.GetTaskEventsReply;
import io.glint.internal.proto.GetTaskEventsRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.runtime.common.ChromeTrace;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code glint timeline}: Ray's {@code ray timeline}, recent tasks as a Chrome trace. */
@Command(
    name = "timeline",
    mixinStandardHelpOptions = true,
    description =
        "Writes the cluster's recent tasks as a Chrome trace (open it in Perfetto or"
            + " chrome://tracing): a lane per worker, a bar per task.")
final class TimelineCommand implements Callable<Integer> {
  @Option(
      names = "--address",
      description = "The control service (default: GLINT_ADDRESS, else the cluster started last).")
  String address;

  @Option(names = "--temp-dir", description = "Where glint start recorded clusters.")
  Path tempDir;

  @Option(
      names = {"-o", "--output"},
      description = "The trace file (default: glint-timeline.json).")
  Path output = Path.of("glint-timeline.json");

  @Option(names = "--limit", description = "Only the newest N tasks (default: all it keeps).")
  int limit;

  @Override
  public Integer call() {
    StatusCommand.Target t = StatusCommand.target(address, tempDir);
    ManagedChannel ch = t.channel();
    try {
      var control = ControlServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
      GetTaskEventsReply r =
          control.getTaskEvents(GetTaskEventsRequest.newBuilder().setLimit(limit).build());
      Map<String, String> names = new LinkedHashMap<>();
      for (NodeInfo n :
          control
              .getClusterResources(GetClusterResourcesRequest.getDefaultInstance())
              .getNodesList()) {
        names.put(Ids.hex(n.getNodeId()), n.getNodeName());
      }
      Files.writeString(output, ChromeTrace.of(r.getEventsList(), names));
      System.out.println(
          "Wrote "
              + r.getEventsCount()
              + " tasks to "
              + output
              + " (open it in https://ui.perfetto.dev or chrome://tracing).");
      return 0;
    } catch (StatusRuntimeException e) {
      throw new GlintCli.UserError(
          "cannot read tasks from the control service at "
              + t.address()
              + " ("
              + e.getStatus().getCode()
              + ")");
    } catch (IOException e) {
      throw new GlintCli.UserError("cannot write " + output + ": " + e.getMessage());
    } finally {
      Grpc.shutdown(ch);
    }
  }
}
