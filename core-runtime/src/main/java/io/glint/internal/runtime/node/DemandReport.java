package io.glint.internal.runtime.node;

import io.glint.internal.proto.ReportBacklogRequest;
import io.glint.internal.runtime.common.ResourceSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What waits on a node, by resource shape, for its reports (and through them {@code glint status}
 * and the autoscaler): one per pending lease request, plus the backlog each requester reported
 * (tasks it queued beyond its pending requests) while it has requests pending here. Guarded by the
 * scheduler's lock.
 */
final class DemandReport {
  private final Map<List<Object>, Integer> backlogs = new HashMap<>();

  private static List<Object> key(
      com.google.protobuf.ByteString job,
      com.google.protobuf.ByteString worker,
      com.google.protobuf.ByteString node,
      ResourceSet shape) {
    return List.of(job, worker, node, shape);
  }

  void backlog(ReportBacklogRequest r) {
    List<Object> k =
        key(
            r.getJobId(),
            r.getRequesterWorkerId(),
            r.getRequesterNodeId(),
            ResourceSet.fromProto(r.getResources()));
    if (r.getBacklog() > 0) {
      backlogs.put(k, r.getBacklog());
    } else {
      backlogs.remove(k);
    }
  }

  Map<ResourceSet, Integer> of(Collection<LeaseScheduler.PendingLease> pending) {
    Map<ResourceSet, Integer> demand = new LinkedHashMap<>();
    Set<List<Object>> waiting = new HashSet<>();
    for (LeaseScheduler.PendingLease p : pending) {
      demand.merge(p.resources, 1, Integer::sum);
      waiting.add(
          key(
              p.request.getJobId(),
              p.request.getRequesterWorkerId(),
              p.request.getRequesterNodeId(),
              p.resources));
    }
    // A requester with nothing pending here has no backlog here: it reports again when it asks.
    backlogs.keySet().retainAll(waiting);
    backlogs.forEach((k, n) -> demand.merge((ResourceSet) k.get(3), n, Integer::sum));
    return demand;
  }
}
