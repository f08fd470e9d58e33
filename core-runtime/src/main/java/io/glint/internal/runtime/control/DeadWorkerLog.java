package io.glint.internal.runtime.control;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.GetDeadWorkersReply;
import io.glint.internal.proto.ReportNodeResourcesReply;
import java.util.ArrayList;

/**
 * The cluster's worker deaths, in order, with sequence numbers: owners poll it to release the
 * borrows of dead processes, nodes read it in their report replies to take back the leases and
 * requests of dead requesters. The newest 100,000 are kept. In memory only: after a restart of the
 * control service the sequence starts again, and readers that are ahead start over from it.
 */
final class DeadWorkerLog {
  private static final int KEPT = 100_000;

  /** Seq of ids.get(i) is base + i + 1. */
  private final ArrayList<ByteString> ids = new ArrayList<>();

  private long base;

  synchronized void add(ByteString workerId) {
    ids.add(workerId);
    if (ids.size() > KEPT) {
      int drop = ids.size() - KEPT;
      ids.subList(0, drop).clear();
      base += drop;
    }
  }

  /** The deaths after {@code afterSeq}, and the last seq. */
  synchronized GetDeadWorkersReply after(long afterSeq) {
    long last = base + ids.size();
    int from = (int) Math.max(0, Math.min(ids.size(), afterSeq - base));
    return GetDeadWorkersReply.newBuilder()
        .addAllWorkerIds(ids.subList(from, ids.size()))
        .setLastSeq(last)
        .build();
  }

  /** As {@link #after} for a node's report reply; -1: none, only the seq to start from. */
  synchronized ReportNodeResourcesReply forNode(long afterSeq) {
    var b = ReportNodeResourcesReply.newBuilder();
    if (afterSeq < 0) {
      return b.setDeadWorkersSeq(base + ids.size()).build();
    }
    var d = after(afterSeq);
    return b.addAllDeadWorkerIds(d.getWorkerIdsList()).setDeadWorkersSeq(d.getLastSeq()).build();
  }
}
