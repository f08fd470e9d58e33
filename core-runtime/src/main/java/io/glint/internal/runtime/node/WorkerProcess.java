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
}
