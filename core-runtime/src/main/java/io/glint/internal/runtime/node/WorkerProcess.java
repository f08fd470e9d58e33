package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import java.util.List;

/** A worker process of this node. Its mutable fields are guarded by the scheduler's lock. */
final class WorkerProcess {
  final ByteString workerId;
  final ByteString jobId;
  final List<String> extraJvmOptions;
  final long startMillis = System.currentTimeMillis();
  Process process;
  int pid;

  /** Where its standard error goes. */
  java.nio.file.Path errLog;

  /** Set once the worker registered (its server is up). */
  Address address;

  LeaseScheduler.Lease lease;
  ByteString actorId;

  /** A detached actor's worker: it outlives its job. */
  boolean detached;

  volatile String actorName = "";
  boolean killed;

  /**
   * The number of the last blocked or unblocked notice applied (see {@link #staleBlockedNotice}).
   */
  private long blockedSeq;

  /** The lease request this worker was started for (a dedicated actor worker), if any. */
  LeaseScheduler.PendingLease reservedFor;

  WorkerProcess(ByteString workerId, ByteString jobId, List<String> extraJvmOptions) {
    this.workerId = workerId;
    this.jobId = jobId;
    this.extraJvmOptions = extraJvmOptions;
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /**
   * Whether a blocked or unblocked notice numbered {@code seq} is older than one applied already
   * (the worker sends them without waiting, so they may arrive out of order); records it if not.
   * Notices numbered 0 carry no order.
   */
  boolean staleBlockedNotice(long seq) {
    if (seq == 0) {
      return false;
    }
    if (seq <= blockedSeq) {
      return true;
    }
    blockedSeq = seq;
    return false;
  }
}
