package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.api.exception.ObjectSerializationException;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.TaskArg;
import io.glint.internal.proto.TaskResult;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.proto.TaskType;
import io.glint.internal.python.EmbeddedPython;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.serialization.ArrowCodec;
import io.glint.internal.runtime.serialization.XlangCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Runs the tasks pushed to a worker process. Normal tasks run one at a time, in arrival order, on
 * the task thread, or on the thread that read one from a local stream when nothing else runs or
 * waits ({@link #deliverHere}). After an actor is created here, its method calls run on the actor's
 * own executor: one thread (calls in order) or {@code maxConcurrency} threads. Methods returning a
 * {@link CompletionStage} are async: their thread is freed at once and the reply is sent when the
 * stage completes.
 */
final class TaskExecutor {
  /** What the current thread is executing. */
  record TaskContext(
      ByteString taskId,
      String name,
      int depth,
      boolean releasesCpuWhenBlocked,
      List<Integer> gpuIds,
      io.glint.internal.proto.SchedulingStrategy strategy) {}

  private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

  static TaskContext current() {
    return CURRENT.get();
  }

  private final class Job implements Runnable {
    final TaskSpec spec;
    final ReplySink sink;
    volatile boolean cancelled;
    volatile Thread thread;

    /** When it started (0: not yet), and how much output the process had written by then. */
    volatile long startMicros;

    long stdoutStart;
    long stderrStart;

    Job(TaskSpec spec, ReplySink sink) {
      this.spec = spec;
      this.sink = sink;
    }

    @Override
    public void run() {
      execute(this);
    }
  }

  private final CoreWorker worker;
  private final FunctionInvoker invoker;
  private final SerialLane taskThread = new SerialLane("glint-task");
  private final ConcurrentHashMap<ByteString, Job> jobs = new ConcurrentHashMap<>();
  private volatile ExecutorService actorExecutor;
  private volatile Object actor;
  private volatile ByteString actorId;

  /** The actor hosted here is a Python object, living in the embedded interpreter. */
  private volatile boolean pythonActor;

  private volatile List<Integer> actorGpuIds = List.of();

  /** Where the actor hosted here was placed (its calls' children may inherit a group). */
  private volatile io.glint.internal.proto.SchedulingStrategy actorStrategy =
      io.glint.internal.proto.SchedulingStrategy.getDefaultInstance();

  TaskExecutor(CoreWorker worker, FunctionInvoker invoker) {
    this.worker = worker;
    this.invoker = invoker;
  }

  ByteString actorId() {
    return actorId;
  }

  /**
   * Where the code submitting from this thread was placed: the running task's strategy, or, on a
   * thread of an actor's own (no task context), the actor's, so its threads' tasks stay in its
   * group. Null in a driver's own threads.
   */
  static io.glint.internal.proto.SchedulingStrategy callerPlacement(TaskExecutor executor) {
    TaskContext task = CURRENT.get();
    if (task != null) {
      return task.strategy();
    }
    return executor != null && executor.actorId != null ? executor.actorStrategy : null;
  }

  /** No task is running or queued. */
  boolean idle() {
    return jobs.isEmpty();
  }

  List<Integer> actorGpuIds() {
    return actorGpuIds;
  }

  void onTask(TaskSpec spec, ReplySink sink) {
    Job job = new Job(spec, sink);
    jobs.put(spec.getTaskId(), job);
    switch (spec.getType()) {
      case TASK_TYPE_ACTOR_CREATION_TASK -> {
        int n = Math.max(1, spec.getActorCreation().getMaxConcurrency());
        AtomicInteger count = new AtomicInteger();
        String simple = FunctionResolver.displayName(spec.getFunction());
        actorExecutor =
            Executors.newFixedThreadPool(
                n, r -> new Thread(r, "glint-actor-" + simple + "-" + count.incrementAndGet()));
        actorExecutor.execute(job);
      }
      case TASK_TYPE_ACTOR_TASK -> {
        ExecutorService ex = actorExecutor;
        if (ex == null || actor == null) {
          jobs.remove(spec.getTaskId());
          TaskResult notHere =
              TaskResult.newBuilder()
                  .setTaskId(spec.getTaskId())
                  .setFailure(
                      Failures.system(
                          FailureKind.FAILURE_KIND_ACTOR_DIED,
                          "ActorNotHereError",
                          "this worker hosts no actor",
                          false))
                  .build();
          // Not on the delivering thread: a stream's reader never writes (see ReplySink#expect).
          worker.async(() -> sink.send(notHere));
          return;
        }
        ex.execute(job);
      }
      default -> {
        Runnable handOff = HAND_OFF.get();
        if (handOff == null || !taskThread.runHereIfIdle(job, () -> giveUp(handOff))) {
          taskThread.execute(job);
        }
      }
    }
  }

  /**
   * What a thread delivering tasks does to hand its work to another thread so it can run a task
   * itself (set only around one delivery; see {@link #deliverHere}).
   */
  private static final ThreadLocal<Runnable> HAND_OFF = new ThreadLocal<>();

  private static void giveUp(Runnable handOff) {
    HAND_OFF.remove();
    handOff.run();
  }

  /**
   * Runs {@code deliver}, during which a normal task that finds the task thread idle runs on this
   * thread after calling {@code handOff} (which must hand the caller's own work to another thread).
   * Returns whether it did: then the caller's thread is no longer the one delivering.
   */
  static boolean deliverHere(Runnable deliver, Runnable handOff) {
    HAND_OFF.set(handOff);
    boolean handedOff;
    try {
      deliver.run();
    } finally {
      handedOff = HAND_OFF.get() == null; // giveUp took it
      HAND_OFF.remove();
    }
    return handedOff;
  }

  void onCancel(ByteString taskId, boolean force) {
    Job job = jobs.get(taskId);
    if (job == null) {
      return;
    }
    if (force) {
      // The submitter sees the stream break and reports the task as cancelled.
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
    synchronized (job) {
      job.cancelled = true;
      // Only while the thread still runs this job: once it let go, it may run another one.
      if (job.thread != null) {
        job.thread.interrupt();
      }
    }
  }

  /** The submitter's stream broke: its queued work is not wanted any more. */
  void onStreamClosed(ReplySink sink) {
    for (Job j : jobs.values()) {
      if (j.sink == sink && j.spec.getType() == TaskType.TASK_TYPE_NORMAL_TASK) {
        j.cancelled = true;
      }
    }
  }

  private void execute(Job job) {
    TaskSpec spec;
    try {
      // Arguments stored on other nodes come here first, so every read below is local.
      spec = worker.objectStore().localize(job.spec);
    } catch (RuntimeException e) {
      jobs.remove(job.spec.getTaskId());
      job.sink.send(
          TaskResult.newBuilder()
              .setTaskId(job.spec.getTaskId())
              .setFailure(failure(e, FailureKind.FAILURE_KIND_OBJECT_LOST, job.spec))
              .build());
      return;
    }
    TaskResult.Builder res = TaskResult.newBuilder().setTaskId(spec.getTaskId());
    // A cancel either sees the thread (and interrupts it) or has set the flag before this check:
    // both happen under the job's lock, so a cancel is never lost between them.
    boolean cancelledBeforeStart;
    synchronized (job) {
      cancelledBeforeStart =
          job.cancelled || job.sink.isClosed() && spec.getType() == TaskType.TASK_TYPE_NORMAL_TASK;
      if (!cancelledBeforeStart) {
        job.thread = Thread.currentThread();
      }
    }
    if (cancelledBeforeStart) {
      jobs.remove(spec.getTaskId());
      job.sink.send(res.setFailure(cancelled(spec)).build());
      return;
    }
    boolean normal = spec.getType() == TaskType.TASK_TYPE_NORMAL_TASK;
    List<Integer> gpus =
        spec.getType() == TaskType.TASK_TYPE_ACTOR_TASK
            ? actorGpuIds
            : spec.getAssignedGpuIdsList();
    CURRENT.set(
        new TaskContext(
            spec.getTaskId(),
            spec.getName(),
            spec.getDepth(),
            normal,
            gpus,
            spec.getType() == TaskType.TASK_TYPE_ACTOR_TASK
                ? actorStrategy
                : spec.getSchedulingStrategy()));
    long t0 = System.nanoTime();
    long startMicros = TaskEventRecorder.nowMicros();
    job.stdoutStart = OutputOffsets.stdout();
    job.stderrStart = OutputOffsets.stderr();
    job.startMicros = startMicros;
    boolean replyLater = false;
    // Objects this task reads from the store stay in memory (never spilled) while it runs.
    List<ByteString> pinned = localObjectArgs(spec);
    try {
      worker.objectStore().pin(pinned);
    } catch (RuntimeException e) {
      CURRENT.remove();
      synchronized (job) {
        job.thread = null;
        Thread.interrupted();
      }
      jobs.remove(spec.getTaskId());
      job.sink.send(res.setFailure(failure(e, FailureKind.FAILURE_KIND_OBJECT_LOST, spec)).build());
      return;
    }
    try {
      if (spec.getFunction().getLanguage() == io.glint.internal.proto.Language.LANGUAGE_PYTHON) {
        runPython(spec, res);
        return;
      }
      Object[] args;
      FunctionInvoker.Target target;
      try {
        io.glint.internal.proto.FunctionDescriptor fd = spec.getFunction();
        if (fd.getModuleOrClass().isEmpty() && actor != null) {
          // An actor method named from another language: look it up on the actor's class.
          fd = fd.toBuilder().setModuleOrClass(actor.getClass().getName()).build();
        }
        target = invoker.target(fd);
        args = arguments(spec);
      } catch (ObjectSerializationException | IllegalStateException e) {
        res.setFailure(failure(e, FailureKind.FAILURE_KIND_RUNTIME, spec));
        return;
      }
      Object out = target.invoke(args);
      switch (spec.getType()) {
        case TASK_TYPE_ACTOR_CREATION_TASK -> {
          actor = out;
          actorId = spec.getActorCreation().getActorId();
          actorGpuIds = spec.getAssignedGpuIdsList();
          actorStrategy = spec.getSchedulingStrategy();
        }
        default -> {
          ByteString returnId = Ids.objectId(spec.getTaskId(), 1);
          if (target.async() && out instanceof CompletionStage<?> stage) {
            replyLater = true;
            stage.whenComplete(
                (v, err) -> {
                  TaskResult.Builder r = TaskResult.newBuilder().setTaskId(spec.getTaskId());
                  try {
                    if (err != null) {
                      Throwable cause =
                          err instanceof java.util.concurrent.CompletionException
                                  && err.getCause() != null
                              ? err.getCause()
                              : err;
                      r.setFailure(failure(cause, FailureKind.FAILURE_KIND_TASK_ERROR, spec));
                    } else {
                      r.addReturns(worker.returnObject(returnId, spec.getCallerAddress(), v));
                      releaseHandedOver(v);
                    }
                  } catch (Throwable t) {
                    r.setFailure(failure(t, FailureKind.FAILURE_KIND_SERIALIZATION, spec));
                  }
                  r.setExecutionNanos(System.nanoTime() - t0);
                  recordRun(job, r);
                  jobs.remove(spec.getTaskId());
                  worker.objectStore().unpin(pinned);
                  job.sink.send(r.build());
                  worker.refCounter().afterTask();
                });
          } else {
            res.addReturns(worker.returnObject(returnId, spec.getCallerAddress(), out));
            releaseHandedOver(out);
          }
        }
      }
    } catch (ObjectSerializationException e) {
      res.setFailure(
          job.cancelled
              ? cancelled(spec)
              : failure(e, FailureKind.FAILURE_KIND_SERIALIZATION, spec));
    } catch (Throwable e) {
      res.setFailure(
          job.cancelled ? cancelled(spec) : failure(e, FailureKind.FAILURE_KIND_TASK_ERROR, spec));
    } finally {
      synchronized (job) {
        job.thread = null;
        Thread.interrupted(); // a cancel's interrupt stays with this job
      }
      CURRENT.remove();
      if (!replyLater) {
        worker.objectStore().unpin(pinned);
        jobs.remove(spec.getTaskId());
        if (job.cancelled && !res.hasFailure()) {
          res.clearReturns().setFailure(cancelled(spec));
        }
        res.setExecutionNanos(System.nanoTime() - t0);
        recordRun(job, res);
        job.sink.send(res.build());
        worker.refCounter().afterTask();
      }
    }
  }

  /**
   * A returned Arrow table is handed over: once stored, its buffers are released here (as a Python
   * task's returned table is), so a task that builds a result does not leak its memory. A caller
   * who keeps a table returns a slice of it.
   */
  private static void releaseHandedOver(Object returned) {
    if (returned instanceof VectorSchemaRoot root) {
      root.close();
    }
  }

  private void recordRun(Job job, TaskResult.Builder res) {
    TaskEventRecorder events = worker.taskEvents();
    if (events != null) {
      events.record(
          job.spec,
          job.startMicros,
          TaskEventRecorder.nowMicros(),
          res.hasFailure() ? res.getFailure() : null,
          job.stdoutStart,
          job.stderrStart);
    }
  }

  /** The tasks running now (name, id, start) and how many wait: the dashboard's worker view. */
  io.glint.internal.proto.WorkerStats.Builder stats() {
    var b = io.glint.internal.proto.WorkerStats.newBuilder();
    int queued = 0;
    for (Job j : jobs.values()) {
      if (j.startMicros == 0) {
        queued++;
      } else {
        b.addRunning(
            io.glint.internal.proto.RunningTask.newBuilder()
                .setTaskId(j.spec.getTaskId())
                .setName(j.spec.getName())
                .setStartMicros(j.startMicros));
      }
    }
    return b.setQueued(queued);
  }

  /** Runs a Python function, actor constructor or actor method in the embedded interpreter. */
  private void runPython(TaskSpec spec, TaskResult.Builder res) {
    PythonRuntime runtime = PythonRuntime.get(worker);
    List<byte[]> args = new ArrayList<>();
    // Arrow tables and numeric arrays go to Python through the C Data Interface, pointing at the
    // store's mapping: no copy. Everything else is XLANG.
    List<ArrowCodec.Exported> exported = new ArrayList<>();
    List<AutoCloseable> loaded = new ArrayList<>();
    List<TaskArg> all = new ArrayList<>(spec.getCapturedArgsList());
    all.addAll(spec.getArgsList());
    try {
      for (TaskArg a : all) {
        FieldVector numeric;
        if (ValueCodec.isArrow(a)) {
          var root = (VectorSchemaRoot) worker.argValue(a);
          loaded.add(root);
          var e = worker.codec().arrow().exportToC(root);
          exported.add(e);
          args.add(cDataExt(ARROW_TABLE_EXT, e));
        } else if (runtime.hasPyarrow()
            && (numeric = worker.objectStore().numericVector(a)) != null) {
          loaded.add(numeric);
          var e = worker.codec().arrow().exportToC(numeric);
          exported.add(e);
          args.add(cDataExt(NUMPY_ARRAY_EXT, e));
        } else if (isJavaValue(a)) {
          // Decoded once: a numeric matrix goes as one (rows copied into Arrow memory), anything
          // else as XLANG.
          Object v = worker.argValue(a);
          var matrix = runtime.hasPyarrow() ? worker.codec().arrow().matrixOf(v) : null;
          if (matrix != null) {
            loaded.add(matrix);
            var e = worker.codec().arrow().exportToC(matrix);
            exported.add(e);
            args.add(cDataExt(NUMPY_MATRIX_EXT, e));
          } else {
            args.add(runtime.toPython().encode(v));
          }
        } else {
          args.add(worker.xlangBytes(a, runtime.toPython()));
        }
      }
      runPython(spec, res, runtime.python(), args);
    } finally {
      // Values Python got through glint.get during the task, handed over the same way.
      runtime.closeHandedOver();
      runtime.collectReleased();
      // What Python imported it owns now (it releases it when done); the rest is released here.
      exported.forEach(ArrowCodec.Exported::close);
      for (AutoCloseable c : loaded) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** MessagePack extension types for C Data hand-offs (see glint._values). */
  static final byte ARROW_TABLE_EXT = 2;

  static final byte NUMPY_ARRAY_EXT = 3;

  static final byte NUMPY_MATRIX_EXT = 5;

  /** Whether a task argument is a Java value here (the JAVA format, inline or on this node). */
  private boolean isJavaValue(TaskArg a) {
    if (a.hasValue()) {
      return a.getValue().getFormat() == io.glint.internal.proto.ValueFormat.VALUE_FORMAT_JAVA;
    }
    return a.hasObject()
        && a.getObject().hasLocation()
        && a.getObject().getLocation().getFormat()
            == io.glint.internal.proto.ValueFormat.VALUE_FORMAT_JAVA
        && a.getObject().getLocation().getNodeId().equals(worker.settings().nodeId());
  }

  /** A MessagePack extension holding the addresses of an ArrowArray and an ArrowSchema. */
  private static byte[] cDataExt(byte type, ArrowCodec.Exported e) {
    ByteBuffer b = ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0xd8).put(type); // fixext 16
    b.put(cDataAddresses(e));
    return b.array();
  }

  /** The payload of a C Data extension: the ArrowArray's and the ArrowSchema's addresses. */
  static byte[] cDataAddresses(ArrowCodec.Exported e) {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(e.array().memoryAddress()).putLong(e.schema().memoryAddress());
    return b.array();
  }

  private void runPython(
      TaskSpec spec, TaskResult.Builder res, EmbeddedPython py, List<byte[]> args) {
    var fd = spec.getFunction();
    byte[] reply =
        switch (spec.getType()) {
          case TASK_TYPE_ACTOR_CREATION_TASK ->
              py.createActor(
                  Ids.hex(spec.getActorCreation().getActorId()),
                  fd.getModuleOrClass(),
                  fd.getFunctionName(),
                  args);
          case TASK_TYPE_ACTOR_TASK -> {
            if (!pythonActor) {
              throw new IllegalStateException(
                  "the actor is a Java object; " + fd.getFunctionName() + " is a Python method");
            }
            yield py.callActor(Ids.hex(actorId), fd.getFunctionName(), args);
          }
          default -> py.call(fd.getModuleOrClass(), fd.getFunctionName(), args);
        };
    byte[] payload = java.util.Arrays.copyOfRange(reply, 1, reply.length);
    if (reply[0] == 1) {
      Map<?, ?> err = (Map<?, ?>) worker.xlang().decode(payload);
      res.setFailure(
          Failure.newBuilder()
              .setKind(FailureKind.FAILURE_KIND_TASK_ERROR)
              .setType(String.valueOf(err.get("type")))
              .setMessage(String.valueOf(err.get("message")))
              .setRemoteStack(String.valueOf(err.get("traceback")))
              .setOriginLanguage(io.glint.internal.proto.Language.LANGUAGE_PYTHON)
              .setTaskName(spec.getName())
              .setPid((int) ProcessHandle.current().pid())
              .setNodeId(worker.settings().nodeId()));
      return;
    }
    if (spec.getType() == TaskType.TASK_TYPE_ACTOR_CREATION_TASK) {
      actorId = spec.getActorCreation().getActorId();
      actor = new Object(); // the instance lives in Python
      pythonActor = true;
      return;
    }
    ByteString returnId = Ids.objectId(spec.getTaskId(), 1);
    io.glint.internal.proto.ObjectStatus status;
    if (reply[0] == 2 || reply[0] == 3 || reply[0] == 4) {
      // An Arrow table (2) or a numpy array (3): Python exports it through the C Data Interface;
      // it is written once, into the store, straight from Python's buffers.
      try (var array = worker.codec().arrow().newArray();
          var schema = worker.codec().arrow().newSchema()) {
        byte[] ok = py.exportPending(array.memoryAddress(), schema.memoryAddress());
        if (ok[0] != 0) {
          Map<?, ?> err = (Map<?, ?>) worker.xlang().decode(Arrays.copyOfRange(ok, 1, ok.length));
          throw new IllegalStateException(
              "Python could not export its result through the Arrow C Data Interface: "
                  + err.get("type")
                  + ": "
                  + err.get("message"));
        }
        if (reply[0] == 2) {
          try (var root = worker.codec().arrow().importFromC(array, schema)) {
            status = worker.storeValue(returnId, root, spec.getCallerAddress());
          }
        } else if (reply[0] == 3) {
          try (var vector = worker.codec().arrow().importVectorFromC(array, schema)) {
            status =
                worker.storeValue(returnId, ArrowCodec.bufferView(vector), spec.getCallerAddress());
          }
        } else {
          // A two-dimensional numpy array: rows of a fixed-size list, copied into a Java matrix.
          try (var vector = worker.codec().arrow().importVectorFromC(array, schema)) {
            status =
                worker.storeValue(
                    returnId,
                    ArrowCodec.rowsOf((org.apache.arrow.vector.complex.FixedSizeListVector) vector),
                    spec.getCallerAddress());
          }
        }
      }
    } else {
      status =
          worker.storeEncoded(
              returnId,
              worker
                  .codec()
                  .encodedBytes(payload, io.glint.internal.proto.ValueFormat.VALUE_FORMAT_XLANG),
              spec.getCallerAddress());
    }
    var ro = io.glint.internal.proto.ReturnObject.newBuilder().setObjectId(returnId);
    if (reply[0] == 0) {
      // Refs Python returns live on in the result: registered now, while Python still holds them
      // (its handles are released after this), and released by the caller when it frees it.
      var nested = XlangCodec.refsIn(payload);
      worker
          .refCounter()
          .registerContained(returnId, spec.getCallerAddress().getWorkerId(), nested);
      ro.addAllNestedRefs(nested);
    }
    if (status.hasValue()) {
      ro.setValue(status.getValue());
    } else {
      ro.setLocation(status.getLocation());
    }
    res.addReturns(ro);
  }

  /** Ids of the task's arguments stored on this node. */
  private List<ByteString> localObjectArgs(TaskSpec spec) {
    List<ByteString> ids = null;
    for (List<TaskArg> list : List.of(spec.getCapturedArgsList(), spec.getArgsList())) {
      for (TaskArg a : list) {
        if (a.hasObject()
            && a.getObject().hasLocation()
            && a.getObject().getLocation().getNodeId().equals(worker.settings().nodeId())) {
          if (ids == null) {
            ids = new java.util.ArrayList<>();
          }
          ids.add(a.getObject().getRef().getObjectId());
        }
      }
    }
    return ids == null ? List.of() : ids;
  }

  private Object[] arguments(TaskSpec spec) {
    boolean actorCall = spec.getType() == TaskType.TASK_TYPE_ACTOR_TASK;
    int n = spec.getCapturedArgsCount() + (actorCall ? 1 : 0) + spec.getArgsCount();
    Object[] out = new Object[n];
    int i = 0;
    for (TaskArg a : spec.getCapturedArgsList()) {
      out[i++] = value(a);
    }
    if (actorCall) {
      out[i++] = actor;
    }
    for (TaskArg a : spec.getArgsList()) {
      out[i++] = value(a);
    }
    return out;
  }

  private Object value(TaskArg a) {
    if (a.hasValue()) {
      return worker.readStatus(
          ByteString.EMPTY,
          io.glint.internal.proto.ObjectStatus.newBuilder().setValue(a.getValue()).build());
    }
    var obj = a.getObject();
    if (obj.hasLocation()) {
      return worker.objectStore().readStored(obj.getRef().getObjectId(), obj.getLocation());
    }
    return worker.get((io.glint.api.ObjectRef<?>) worker.argumentRef(obj.getRef()), -1);
  }

  private Failure failure(Throwable t, FailureKind kind, TaskSpec spec) {
    return Failures.fromThrowable(t, kind, spec.getName(), worker.settings().nodeId());
  }

  private static Failure cancelled(TaskSpec spec) {
    return Failures.system(
        FailureKind.FAILURE_KIND_TASK_CANCELLED,
        "TaskCancelledError",
        "task " + spec.getName() + " was cancelled",
        false);
  }

  void shutdown() {
    taskThread.shutdown();
    ExecutorService ex = actorExecutor;
    if (ex != null) {
      ex.shutdownNow();
    }
  }
}
