package io.glint.dashboard;

import io.glint.internal.proto.ActorInfo;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.ReadWorkerLogReply;
import io.glint.internal.proto.RunningTask;
import io.glint.internal.proto.TaskEvent;
import io.glint.internal.runtime.common.Ids;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The REST API's views of processes: workers (state, memory, current tasks), actors with their
 * worker's memory and the calls they served, and worker logs, by worker and by task.
 */
final class WorkerApi {
  /** The most a log request returns. */
  static final long MAX_LOG_BYTES = 1 << 20;

  private final ClusterSource source;
  private final WorkerSource workers;

  WorkerApi(ClusterSource source, WorkerSource workers) {
    this.source = source;
    this.workers = workers;
  }

  List<Map<String, Object>> workers() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (WorkerSource.Worker w : workers.workers(source.cluster().getNodesList())) {
      out.add(worker(w));
    }
    return out;
  }

  private static Map<String, Object> worker(WorkerSource.Worker w) {
    var p = w.process();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("worker_id", Ids.hex(p.getWorkerId()));
    m.put("pid", p.getPid());
    m.put("node_id", Ids.hex(w.node().getNodeId()));
    m.put("node", w.node().getNodeName());
    m.put("state", p.getState());
    m.put("job_id", Ids.hex(p.getJobId()));
    m.put("actor_id", p.getActorId().isEmpty() ? null : Ids.hex(p.getActorId()));
    m.put("actor_name", p.getActorName().isEmpty() ? null : p.getActorName());
    m.put("rss_bytes", p.getRssBytes());
    m.put("start_time_ms", p.getStartMillis());
    if (w.stats() != null) {
      m.put("heap_used_bytes", w.stats().getHeapUsed());
      m.put("heap_max_bytes", w.stats().getHeapMax());
      List<Map<String, Object>> running = new ArrayList<>();
      for (RunningTask t : w.stats().getRunningList()) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("task_id", Ids.hex(t.getTaskId()));
        r.put("name", t.getName());
        r.put("start_time_us", t.getStartMicros());
        running.add(r);
      }
      m.put("current_tasks", running);
      m.put("queued_tasks", w.stats().getQueued());
    }
    return m;
  }

  /** Every actor, with its worker's memory and the calls it served. */
  List<Map<String, Object>> actors() {
    List<ActorInfo> actors = source.actors();
    Map<String, WorkerSource.Worker> byActor = new HashMap<>();
    for (WorkerSource.Worker w : workers.workers(source.cluster().getNodesList())) {
      if (!w.process().getActorId().isEmpty()) {
        byActor.put(Ids.hex(w.process().getActorId()), w);
      }
    }
    Map<String, Long> calls = source.taskEvents(1).getActorCallsMap();
    List<Map<String, Object>> out = new ArrayList<>();
    for (ActorInfo a : actors) {
      Map<String, Object> m = Views.actor(a);
      String id = Ids.hex(a.getActorId());
      m.put("calls_served", calls.getOrDefault(id, 0L));
      WorkerSource.Worker w = byActor.get(id);
      if (w != null) {
        m.put("rss_bytes", w.process().getRssBytes());
        if (w.stats() != null) {
          m.put("heap_used_bytes", w.stats().getHeapUsed());
        }
      }
      out.add(m);
    }
    return out;
  }

  /** {@code ?node_id=&pid=&stream=out|err&offset=&length=}: a part of one worker's log. */
  Map<String, Object> workerLog(Map<String, String> q) {
    NodeInfo node = node(required(q, "node_id"));
    int pid = (int) number(q, "pid", -1);
    boolean stderr = stream(q.getOrDefault("stream", "out"));
    long offset = number(q, "offset", -65536);
    long length = Math.min(number(q, "length", 65536), MAX_LOG_BYTES);
    ReadWorkerLogReply r = workers.readLog(node.getAddress(), pid, stderr, offset, length);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("found", r.getFound());
    m.put("offset", r.getOffset());
    m.put("size", r.getSize());
    m.put("text", r.getData().toString(StandardCharsets.UTF_8));
    return m;
  }

  /** {@code ?task_id=}: what a recent task wrote to stdout and stderr while it ran. */
  Map<String, Object> taskLog(Map<String, String> q) {
    String id = required(q, "task_id");
    TaskEvent found = null;
    for (TaskEvent e : source.taskEvents(0).getEventsList()) {
      if (Ids.hex(e.getTaskId()).equals(id)) {
        found = e; // the last run of it (a retried task ran more than once)
      }
    }
    if (found == null) {
      throw new IllegalArgumentException(
          "no recent task with task_id " + id + " (the service keeps the newest 10,000 runs)");
    }
    NodeInfo node = node(Ids.hex(found.getNodeId()));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("task_id", id);
    m.put("name", found.getName());
    m.put("node_id", Ids.hex(found.getNodeId()));
    m.put("worker_pid", found.getPid());
    m.put("stdout", part(node.getAddress(), found, false));
    m.put("stderr", part(node.getAddress(), found, true));
    return m;
  }

  private String part(Address node, TaskEvent e, boolean stderr) {
    long from = stderr ? e.getStderrStart() : e.getStdoutStart();
    long to = stderr ? e.getStderrEnd() : e.getStdoutEnd();
    if (to <= from) {
      return "";
    }
    ReadWorkerLogReply r =
        workers.readLog(node, e.getPid(), stderr, from, Math.min(to - from, MAX_LOG_BYTES));
    return r.getData().toString(StandardCharsets.UTF_8);
  }

  private NodeInfo node(String hexId) {
    for (NodeInfo n : source.cluster().getNodesList()) {
      if (Ids.hex(n.getNodeId()).equals(hexId)) {
        return n;
      }
    }
    throw new IllegalArgumentException("no node with node_id " + hexId);
  }

  private static String required(Map<String, String> q, String key) {
    String v = q.get(key);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("missing query parameter " + key);
    }
    return v;
  }

  private static long number(Map<String, String> q, String key, long dflt) {
    String v = q.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, got " + v);
    }
  }

  private static boolean stream(String s) {
    return switch (s) {
      case "out", "stdout" -> false;
      case "err", "stderr" -> true;
      default -> throw new IllegalArgumentException("stream must be out or err, got " + s);
    };
  }
}
