package io.glint.dashboard;

import io.glint.internal.proto.ActorInfo;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.ObjectStoreStats;
import io.glint.internal.proto.PlacementGroupInfo;
import io.glint.internal.proto.StoredObjectInfo;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The REST API's JSON shapes, built from protocol messages (documented in the module README). */
final class Views {
  private Views() {}

  static Map<String, Object> node(NodeInfo n, ObjectStoreStats store) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("node_id", Ids.hex(n.getNodeId()));
    m.put("name", n.getNodeName());
    m.put("address", n.getAddress().getHost() + ":" + n.getAddress().getPort());
    m.put("alive", n.getAlive());
    if (!n.getAlive()) {
      m.put("death_reason", n.getDeathReason());
    }
    m.put("total", ResourceSet.fromProto(n.getTotal()).toMap());
    m.put("available", ResourceSet.fromProto(n.getAvailable()).toMap());
    m.put("labels", n.getLabelsMap());
    if (store != null) {
      m.put("object_store", store(store, 0));
    }
    return m;
  }

  /** A node's store; with {@code largest > 0}, its largest objects (size, owner, pinned). */
  static Map<String, Object> store(ObjectStoreStats s, int largest) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("node_id", Ids.hex(s.getNodeId()));
    m.put("capacity_bytes", s.getCapacityBytes());
    m.put("used_bytes", s.getUsedBytes());
    m.put("objects", s.getObjectCount());
    m.put("spilled_bytes_total", s.getSpilledBytesTotal());
    m.put("restored_bytes_total", s.getRestoredBytesTotal());
    m.put("bytes_sent_total", s.getBytesSentTotal());
    m.put("bytes_received_total", s.getBytesReceivedTotal());
    if (largest > 0) {
      List<StoredObjectInfo> objs = new ArrayList<>(s.getObjectsList());
      objs.sort(Comparator.comparingLong(StoredObjectInfo::getSizeBytes).reversed());
      List<Map<String, Object>> top = new ArrayList<>();
      for (StoredObjectInfo o : objs.subList(0, Math.min(largest, objs.size()))) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("object_id", Ids.hex(o.getObjectId()));
        e.put("size_bytes", o.getSizeBytes());
        e.put("owner", o.getOwner().getHost() + ":" + o.getOwner().getPort());
        e.put("pinned", o.getPinned());
        e.put("spilled", o.getSpilled());
        top.add(e);
      }
      m.put("largest_objects", top);
    }
    return m;
  }

  static Map<String, Object> actor(ActorInfo a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("actor_id", Ids.hex(a.getActorId()));
    m.put("class_name", a.getClassDescriptor().getModuleOrClass());
    m.put("name", a.getName());
    m.put("namespace", a.getNamespace());
    m.put("state", a.getState().name().replace("ACTOR_STATE_", ""));
    m.put("num_restarts", a.getNumRestarts());
    m.put("node_id", a.getNodeId().isEmpty() ? null : Ids.hex(a.getNodeId()));
    m.put("pid", a.getPid() == 0 ? null : a.getPid());
    m.put("job_id", Ids.hex(a.getJobId()));
    if (a.hasDeathCause()) {
      m.put("death_cause", a.getDeathCause().getType() + ": " + a.getDeathCause().getMessage());
    }
    return m;
  }

  static Map<String, Object> placementGroup(PlacementGroupInfo g) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("placement_group_id", Ids.hex(g.getSpec().getPlacementGroupId()));
    m.put("name", g.getSpec().getName());
    m.put("state", g.getState().name().replace("PLACEMENT_GROUP_STATE_", ""));
    m.put("strategy", g.getSpec().getStrategy().name().replace("PLACEMENT_STRATEGY_", ""));
    m.put(
        "bundles",
        g.getSpec().getBundlesList().stream().map(b -> ResourceSet.fromProto(b).toMap()).toList());
    m.put(
        "bundle_nodes",
        g.getBundleNodeIdsList().stream().map(n -> n.isEmpty() ? null : Ids.hex(n)).toList());
    if (!g.getPendingReason().isEmpty()) {
      m.put("pending_reason", g.getPendingReason());
    }
    return m;
  }

  static Map<String, Object> task(io.glint.internal.proto.TaskEvent e, Map<String, String> nodes) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("task_id", Ids.hex(e.getTaskId()));
    m.put("name", e.getName());
    m.put("type", e.getType().name().replace("TASK_TYPE_", ""));
    m.put("state", e.getErrorType().isEmpty() ? "FINISHED" : "FAILED");
    m.put("node", nodes.getOrDefault(Ids.hex(e.getNodeId()), Ids.hex(e.getNodeId())));
    m.put("worker_id", Ids.hex(e.getWorkerId()));
    m.put("worker_pid", e.getPid());
    m.put("submit_time_us", e.getSubmitMicros() == 0 ? null : e.getSubmitMicros());
    m.put("start_time_us", e.getStartMicros());
    m.put("end_time_us", e.getEndMicros());
    if (!e.getErrorType().isEmpty()) {
      m.put("error_type", e.getErrorType());
    }
    return m;
  }

  /** How many of each state. */
  static Map<String, Integer> countBy(List<Map<String, Object>> items, String key) {
    Map<String, Integer> out = new TreeMap<>();
    for (Map<String, Object> i : items) {
      out.merge(String.valueOf(i.get(key)), 1, Integer::sum);
    }
    return out;
  }
}
