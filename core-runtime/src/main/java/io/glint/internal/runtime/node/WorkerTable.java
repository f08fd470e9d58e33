package io.glint.internal.runtime.node;

import io.glint.internal.proto.GetWorkersReply;
import io.glint.internal.proto.WorkerProcessInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The node's worker processes as the dashboard lists them: state, actor and resident memory. */
final class WorkerTable {
  private WorkerTable() {}

  /** Called under the scheduler's lock: reads only the workers' fields. */
  static List<WorkerProcessInfo> infos(List<WorkerProcess> workers) {
    List<WorkerProcessInfo> out = new ArrayList<>();
    for (WorkerProcess w : workers) {
      if (!w.alive()) {
        continue;
      }
      WorkerProcessInfo.Builder b =
          WorkerProcessInfo.newBuilder()
              .setWorkerId(w.workerId)
              .setPid(w.pid)
              .setJobId(w.jobId)
              .setState(
                  w.address == null
                      ? "STARTING"
                      : w.actorId != null ? "ACTOR" : w.lease != null ? "LEASED" : "IDLE")
              .setActorName(w.actorName)
              .setStartMillis(w.startMillis);
      if (w.actorId != null) {
        b.setActorId(w.actorId);
      }
      if (w.address != null) {
        b.setAddress(w.address);
      }
      out.add(b.build());
    }
    return out;
  }

  /** Adds each process's resident set size, read from {@code /proc} outside the lock. */
  static GetWorkersReply withMemory(List<WorkerProcessInfo> infos) {
    GetWorkersReply.Builder reply = GetWorkersReply.newBuilder();
    for (WorkerProcessInfo i : infos) {
      reply.addWorkers(i.toBuilder().setRssBytes(rssBytes(i.getPid())));
    }
    return reply.build();
  }

  /** {@code VmRSS} of {@code /proc/<pid>/status}, 0 where there is none (not Linux, or gone). */
  static long rssBytes(int pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone
    }
    return 0;
  }
}
