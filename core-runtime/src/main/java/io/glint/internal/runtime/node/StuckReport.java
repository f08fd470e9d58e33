package io.glint.internal.runtime.node;

import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import java.util.Collection;
import java.util.List;

/**
 * The node's warning when lease requests wait long: what holds its resources (each lease's worker,
 * holder, resources, whether it is blocked in {@code get}) and what waits.
 */
final class StuckReport {
  private StuckReport() {}

  /** Null when no request has waited {@code minWaitMs}; else the report. */
  static String describe(
      long minWaitMs,
      List<LeaseScheduler.PendingLease> pending,
      Collection<LeaseScheduler.Lease> leases,
      ResourceSet available,
      ResourceSet total,
      String workers) {
    long now = System.nanoTime();
    long oldest = 0;
    for (LeaseScheduler.PendingLease p : pending) {
      oldest = Math.max(oldest, now - p.queuedAtNanos);
    }
    if (oldest < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(minWaitMs)) {
      return null;
    }
    StringBuilder sb =
        new StringBuilder()
            .append(pending.size())
            .append(" lease requests waiting (oldest ")
            .append(oldest / 1_000_000)
            .append(" ms); available ")
            .append(available)
            .append(" of ")
            .append(total)
            .append("; leases:");
    for (LeaseScheduler.Lease l : leases) {
      sb.append("\n  pid ")
          .append(l.worker.pid)
          .append(l.forActor ? " actor " + l.worker.actorName : "")
          .append(" holds ")
          .append(l.held)
          .append(l.blocked ? " (blocked in get)" : "")
          .append(" for ")
          .append(l.requester.isEmpty() ? "the control service" : Ids.shortHex(l.requester))
          .append(l.requesterNode.isEmpty() ? "" : "@" + Ids.shortHex(l.requesterNode))
          .append(", ")
          .append((now - l.grantedAtNanos) / 1_000_000)
          .append(" ms");
    }
    sb.append(workers);
    for (LeaseScheduler.PendingLease p : pending) {
      sb.append("\n  waiting: ")
          .append(p.resources)
          .append(" for ")
          .append(
              p.request.getRequesterWorkerId().isEmpty()
                  ? p.request.getRequesterName()
                  : Ids.shortHex(p.request.getRequesterWorkerId()))
          .append(p.reserved ? " (worker starting)" : "")
          .append(", ")
          .append((now - p.queuedAtNanos) / 1_000_000)
          .append(" ms");
    }
    return sb.toString();
  }
}
