package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.LeaseRequest;
import io.glint.internal.runtime.common.ResourceSet;
import java.util.HashMap;
import java.util.Map;

/**
 * A soft cap on the leases of one kind held at once on this node (Ray's worker cap per scheduling
 * class): as many as the node's CPUs hold. A task blocked in {@code get} gives its CPU back, and
 * without a cap every freed CPU would go to the next queued task of the same submitter, which
 * blocks in turn and needs a worker process of its own: a thousand parents waiting for their
 * children start a thousand worker JVMs, each too rarely busy for its JIT to warm up. With the cap,
 * a kind at its cap waits while other kinds (the children, asked for by the parents' workers) run;
 * past the cap one more may start after a delay that doubles each time (1 s up to 10 s), so work
 * that needs more at once still goes on.
 *
 * <p>A kind is one requesting process's leases of one resource shape in one job (a submitter asks
 * for leases per shape, and runs any of its tasks of that shape on them, so the submitter stands
 * where Ray's function descriptor does). Actors and tasks without CPUs are not capped. Confined to
 * the scheduler's lock.
 */
final class SchedulingClassCap {
  static final long INITIAL_BACKOFF_NANOS = 1_000_000_000L;
  static final long MAX_BACKOFF_NANOS = 10_000_000_000L;

  /** A kind of lease: the job, the requesting process (worker id and node), the resources. */
  record Kind(
      ByteString job, ByteString requester, ByteString requesterNode, ResourceSet resources) {}

  private static final class State {
    final int capacity;
    int running;
    long nextAllowedNanos;
    long backoffNanos = INITIAL_BACKOFF_NANOS;

    State(int capacity) {
      this.capacity = capacity;
    }
  }

  private final double totalCpus;
  private final Map<Kind, State> kinds = new HashMap<>();

  SchedulingClassCap(double totalCpus) {
    this.totalCpus = totalCpus;
  }

  /** The request's kind, or null when it is not capped (actors, tasks without CPUs). */
  static Kind kindOf(LeaseRequest request, ResourceSet resources) {
    if (request.getForActor() || resources.get(ResourceSet.CPU) <= 0) {
      return null;
    }
    return new Kind(
        request.getJobId(),
        request.getRequesterWorkerId(),
        request.getRequesterNodeId(),
        resources);
  }

  /** Whether a task of this kind may start now. */
  boolean allows(Kind kind, long nowNanos) {
    if (kind == null) {
      return true;
    }
    State s = kinds.get(kind);
    return s == null || s.running < s.capacity || nowNanos >= s.nextAllowedNanos;
  }

  /** A task of this kind started (its resources are held); past the cap the delay doubles. */
  void started(Kind kind, long nowNanos) {
    if (kind == null) {
      return;
    }
    State s = kinds.computeIfAbsent(kind, k -> new State(capacity(k)));
    s.running++;
    if (s.running > s.capacity) {
      s.nextAllowedNanos = nowNanos + s.backoffNanos;
      s.backoffNanos = Math.min(MAX_BACKOFF_NANOS, s.backoffNanos * 2);
    } else if (s.running == s.capacity) {
      s.nextAllowedNanos = nowNanos + s.backoffNanos;
    }
  }

  /** A task of this kind ended (its lease went back, or its request before it ran). */
  void ended(Kind kind) {
    if (kind == null) {
      return;
    }
    State s = kinds.get(kind);
    if (s == null) {
      return;
    }
    s.running--;
    if (s.running <= 0) {
      kinds.remove(kind);
    } else if (s.running < s.capacity) {
      s.backoffNanos = INITIAL_BACKOFF_NANOS;
    }
  }

  /** Whether some kind is at its cap (then queued tasks of it wait for time to pass). */
  boolean anyAtCap() {
    for (State s : kinds.values()) {
      if (s.running >= s.capacity) {
        return true;
      }
    }
    return false;
  }

  private int capacity(Kind kind) {
    double cpus = kind.resources().get(ResourceSet.CPU);
    return (int) Math.max(1, Math.floor(totalCpus / cpus));
  }
}
