package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.api.internal.MetricRegistry;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.MetricSeries;
import io.glint.internal.proto.ReportTaskEventsRequest;
import io.glint.internal.proto.TaskEvent;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.proto.TaskType;
import io.glint.internal.runtime.common.Rpc;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tasks this worker ran, reported to the control service about once a second in one batch
 * (Ray's task events): what the dashboard's task list and {@code glint timeline} show. Recording is
 * a queue append; past 20,000 unsent events new ones are counted as dropped, never blocking a task.
 */
final class TaskEventRecorder {
  private static final int MAX_BUFFERED = 20_000;
  private static final int MAX_BATCH = 5_000;

  private record Run(
      ByteString taskId,
      String name,
      ByteString jobId,
      TaskType type,
      ByteString actorId,
      long submitMicros,
      long startMicros,
      long endMicros,
      String errorType,
      long stdoutStart,
      long stdoutEnd,
      long stderrStart,
      long stderrEnd) {}

  private final CoreWorker worker;
  private final ConcurrentLinkedQueue<Run> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger buffered = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();

  TaskEventRecorder(CoreWorker worker) {
    this.worker = worker;
    worker.scheduler().scheduleWithFixedDelay(this::flush, 1, 1, TimeUnit.SECONDS);
  }

  /** This process's user metrics (io.glint.api.metrics) as protocol messages. */
  private static List<MetricSeries> userMetrics() {
    List<MetricSeries> out = new java.util.ArrayList<>();
    for (MetricRegistry.Series s : MetricRegistry.get().snapshot()) {
      MetricSeries.Builder b =
          MetricSeries.newBuilder()
              .setKind(MetricSeries.Kind.valueOf(s.kind().name()))
              .setName(s.name())
              .setDescription(s.description())
              .putAllTags(s.tags())
              .setValue(s.value())
              .addAllBoundaries(s.boundaries())
              .setSum(s.sum())
              .setCount(s.count());
      for (long c : s.bucketCounts()) {
        b.addBucketCounts(c);
      }
      out.add(b.build());
    }
    return out;
  }

  static long nowMicros() {
    java.time.Instant t = java.time.Instant.now();
    return t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
  }

  void record(
      TaskSpec spec,
      long startMicros,
      long endMicros,
      Failure failure,
      long stdoutStart,
      long stderrStart) {
    if (buffered.incrementAndGet() > MAX_BUFFERED) {
      buffered.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    queue.add(
        new Run(
            spec.getTaskId(),
            spec.getName(),
            spec.getJobId(),
            spec.getType(),
            spec.hasActorTask() ? spec.getActorTask().getActorId() : ByteString.EMPTY,
            spec.getSubmitMicros(),
            startMicros,
            endMicros,
            failure == null ? "" : failure.getType().isEmpty() ? "failed" : failure.getType(),
            stdoutStart,
            OutputOffsets.stdout(),
            stderrStart,
            OutputOffsets.stderr()));
  }

  /** The metrics last sent (an empty list hashes to 1: nothing to send). */
  private int lastMetricsHash = 1;

  private void flush() {
    if (worker.isShutdown()) {
      return;
    }
    List<MetricSeries> metrics = userMetrics();
    int hash = metrics.hashCode();
    boolean metricsChanged = hash != lastMetricsHash;
    if (queue.isEmpty() && dropped.get() == 0 && !metricsChanged) {
      return;
    }
    lastMetricsHash = hash;
    ReportTaskEventsRequest.Builder req =
        ReportTaskEventsRequest.newBuilder()
            .setWorkerId(worker.settings().workerId())
            .addAllMetrics(metrics);
    var s = worker.settings();
    Run r;
    while (req.getEventsCount() < MAX_BATCH && (r = queue.poll()) != null) {
      buffered.decrementAndGet();
      req.addEvents(
          TaskEvent.newBuilder()
              .setTaskId(r.taskId())
              .setName(r.name())
              .setJobId(r.jobId())
              .setType(r.type())
              .setActorId(r.actorId())
              .setNodeId(s.nodeId())
              .setWorkerId(s.workerId())
              .setPid((int) ProcessHandle.current().pid())
              .setSubmitMicros(r.submitMicros())
              .setStartMicros(r.startMicros())
              .setEndMicros(r.endMicros())
              .setErrorType(r.errorType())
              .setStdoutStart(r.stdoutStart())
              .setStdoutEnd(r.stdoutEnd())
              .setStderrStart(r.stderrStart())
              .setStderrEnd(r.stderrEnd()));
    }
    req.setDropped(dropped.getAndSet(0));
    worker
        .controlStub()
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .reportTaskEvents(req.build(), Rpc.ignore());
  }
}
