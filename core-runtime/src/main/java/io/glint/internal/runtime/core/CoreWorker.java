package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.api.ActorHandle;
import io.glint.api.ActorOptions;
import io.glint.api.CallOptions;
import io.glint.api.ObjectRef;
import io.glint.api.ObjectStoreStats;
import io.glint.api.RuntimeContext;
import io.glint.api.WaitResult;
import io.glint.api.exception.GetTimeoutException;
import io.glint.api.exception.GlintException;
import io.glint.api.exception.ObjectStoreFullException;
import io.glint.api.internal.GlintRuntime;
import io.glint.internal.proto.ActorCreationSpec;
import io.glint.internal.proto.ActorTaskSpec;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.BorrowUpdate;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.CreateActorReply;
import io.glint.internal.proto.CreateActorRequest;
import io.glint.internal.proto.CreateObjectReply;
import io.glint.internal.proto.CreateObjectRequest;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.FreeObjectsReply;
import io.glint.internal.proto.FreeObjectsRequest;
import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.GetClusterResourcesRequest;
import io.glint.internal.proto.GetNamedActorReply;
import io.glint.internal.proto.GetNamedActorRequest;
import io.glint.internal.proto.GetObjectStatusReply;
import io.glint.internal.proto.GetObjectStatusRequest;
import io.glint.internal.proto.GetObjectStoreStatsRequest;
import io.glint.internal.proto.KillActorRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ObjectArg;
import io.glint.internal.proto.ObjectLocation;
import io.glint.internal.proto.ObjectReference;
import io.glint.internal.proto.ObjectStatus;
import io.glint.internal.proto.PinObjectsReply;
import io.glint.internal.proto.PinObjectsRequest;
import io.glint.internal.proto.ReturnObject;
import io.glint.internal.proto.SealObjectRequest;
import io.glint.internal.proto.SerializedValue;
import io.glint.internal.proto.TaskArg;
import io.glint.internal.proto.TaskResult;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.proto.TaskType;
import io.glint.internal.proto.UpdateBorrowsRequest;
import io.glint.internal.proto.ValueFormat;
import io.glint.internal.proto.WorkerBlockedRequest;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.common.Rpc;
import io.glint.internal.runtime.serialization.ArrowCodec;
import io.glint.internal.runtime.serialization.BufferCodec;
import io.glint.internal.runtime.serialization.RefResolver;
import io.glint.internal.runtime.serialization.Serializer;
import io.glint.internal.runtime.serialization.XlangCodec;
import io.glint.internal.store.SharedMemoryStore;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The core worker library, in every driver and worker process: submits tasks and actor calls, owns
 * the objects it creates, answers borrowers about them, and (in workers) executes tasks. It is the
 * {@link GlintRuntime} the {@code Glint} facade delegates to.
 */
public final class CoreWorker implements GlintRuntime, RefResolver {
  private static final System.Logger LOG = System.getLogger(CoreWorker.class.getName());

  /** Values up to this size travel inline; larger ones go to the node's shared-memory store. */
  public static final int INLINE_MAX_BYTES = 100 * 1024;

  public enum Mode {
    DRIVER,
    WORKER
  }

  /** What a core worker needs to know about its surroundings. */
  public record Settings(
      Mode mode,
      ByteString workerId,
      ByteString nodeId,
      Address nodeAddress,
      Address controlAddress,
      String token,
      Path storeDir,
      String host,
      long leaseIdleMs,
      ClassLoader loader) {}

  private final Settings settings;
  private final ChannelPool channels;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService callbacks;
  private final SharedMemoryStore store;
  private final Serializer serializer;
  private final XlangCodec xlang = new XlangCodec(this);
  // Created on first use: a process that never touches Arrow data never loads Arrow's allocator.
  private volatile ArrowCodec arrow;
  private final FunctionResolver resolver = new FunctionResolver();
  private final ObjectTable objects;
  private final BorrowTable borrows;
  private final NormalTaskSubmitter normalSubmitter;
  private final ActorTaskSubmitter actorSubmitter;
  private final Cleaner cleaner = Cleaner.create();
  private final ConcurrentHashMap<ByteString, CompletableFuture<ObjectStatus>> fetching =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ByteString, Address> nodeAddresses = new ConcurrentHashMap<>();
  private final AtomicInteger blockedDepth = new AtomicInteger();

  /** Live mappings of stored objects handed out as views, so repeated gets share one. */
  private final ConcurrentHashMap<ByteString, java.lang.ref.WeakReference<MemorySegment>> views =
      new ConcurrentHashMap<>();

  private final List<Runnable> shutdownHooks = Collections.synchronizedList(new ArrayList<>());
  private volatile TaskExecutor executor;
  private volatile Server server;
  private volatile Address address;
  private volatile ByteString jobId = ByteString.EMPTY;
  private volatile String namespace = "";
  private volatile List<NodeInfo> clusterView = List.of();
  private volatile boolean shutdown;

  public CoreWorker(Settings settings) {
    this.settings = settings;
    this.channels = new ChannelPool(settings.token(), null);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "glint-scheduler");
              t.setDaemon(true);
              return t;
            });
    this.callbacks =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "glint-callback");
              t.setDaemon(true);
              return t;
            });
    this.store = SharedMemoryStore.attach(settings.storeDir());
    this.serializer = new Serializer(this, this::loader);
    this.objects =
        new ObjectTable(this::freeStored, this::releaseContained, Ids.hex(settings.workerId()));
    this.borrows = new BorrowTable(Ids.hex(settings.workerId()), this::sendBorrowUpdates);
    scheduler.scheduleWithFixedDelay(
        this::releaseBorrowsOfDeadWorkers,
        DEAD_WORKER_POLL_MS,
        DEAD_WORKER_POLL_MS,
        TimeUnit.MILLISECONDS);
    this.normalSubmitter = new NormalTaskSubmitter(this, settings.leaseIdleMs());
    this.actorSubmitter = new ActorTaskSubmitter(this);
    if (settings.mode() == Mode.WORKER) {
      this.executor = new TaskExecutor(this, new FunctionInvoker(settings.loader()));
    }
  }

  /** Starts this process's own server (for borrowers and, in workers, for pushed tasks). */
  public void start() {
    List<BindableService> services = List.of(new WorkerServiceImpl(this));
    server = Grpc.startServer(settings.host(), services, settings.token(), null);
    address =
        Address.newBuilder()
            .setNodeId(settings.nodeId())
            .setHost(settings.host())
            .setPort(server.getPort())
            .setWorkerId(settings.workerId())
            .build();
    nodeAddresses.put(settings.nodeId(), settings.nodeAddress());
    scheduler.scheduleWithFixedDelay(this::refreshClusterView, 0, 2, TimeUnit.SECONDS);
  }

  /** Fetches the cluster view now, blocking (used at start so feasibility checks see it). */
  public void refreshClusterViewNow() {
    try {
      GetClusterResourcesReply r =
          ControlServiceGrpc.newBlockingStub(channels.get(settings.controlAddress()))
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .getClusterResources(GetClusterResourcesRequest.getDefaultInstance());
      setClusterView(r.getNodesList());
    } catch (StatusRuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "cluster view refresh failed: " + e.getStatus());
    }
  }

  private void refreshClusterView() {
    if (shutdown) {
      return;
    }
    controlStub()
        .getClusterResources(
            GetClusterResourcesRequest.getDefaultInstance(),
            new StreamObserver<>() {
              @Override
              public void onNext(GetClusterResourcesReply r) {
                setClusterView(r.getNodesList());
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
  }

  private void setClusterView(List<NodeInfo> nodes) {
    clusterView = nodes;
    for (NodeInfo n : nodes) {
      nodeAddresses.put(n.getNodeId(), n.getAddress());
    }
  }

  // ---------------------------------------------------------------- accessors for collaborators

  Settings settings() {
    return settings;
  }

  public ChannelPool channels() {
    return channels;
  }

  /** A shared channel to {@code address}. */
  public io.grpc.ManagedChannel channelTo(Address address) {
    return channels.get(address);
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  Serializer serializer() {
    return serializer;
  }

  SharedMemoryStore store() {
    return store;
  }

  public Address address() {
    return address;
  }

  public ByteString jobId() {
    return jobId;
  }

  public void setJob(ByteString jobId, String namespace) {
    this.jobId = jobId;
    this.namespace = namespace;
  }

  String namespace() {
    return namespace;
  }

  Address localNodeAddress() {
    return settings.nodeAddress();
  }

  ClassLoader loader() {
    ClassLoader l = settings.loader();
    if (l != null) {
      return l;
    }
    ClassLoader tccl = Thread.currentThread().getContextClassLoader();
    return tccl != null ? tccl : CoreWorker.class.getClassLoader();
  }

  TaskExecutor executor() {
    return executor;
  }

  boolean isShutdown() {
    return shutdown;
  }

  NodeServiceGrpc.NodeServiceStub nodeStub(Address node) {
    return NodeServiceGrpc.newStub(channels.get(node));
  }

  ControlServiceGrpc.ControlServiceStub controlStub() {
    return ControlServiceGrpc.newStub(channels.get(settings.controlAddress()));
  }

  ControlServiceGrpc.ControlServiceBlockingStub controlBlocking() {
    return ControlServiceGrpc.newBlockingStub(channels.get(settings.controlAddress()));
  }

  void async(Runnable r) {
    callbacks.execute(r);
  }

  /** Runs when this core worker shuts down, after its own cleanup. */
  public void onShutdown(Runnable r) {
    shutdownHooks.add(r);
  }

  static <T> StreamObserver<T> ignore() {
    return io.glint.internal.runtime.common.Rpc.ignore();
  }

  // ---------------------------------------------------------------- submitting

  @Override
  public <R> ObjectRef<R> submitTask(Object func, Object[] args, CallOptions options) {
    checkOpen();
    FunctionResolver.Resolved fn = resolver.resolve(func);
    Map<String, Double> res = new HashMap<>();
    res.put(ResourceSet.CPU, 1.0);
    res.putAll(options.resources());
    ResourceSet resources = ResourceSet.of(res);
    ByteString taskId = Ids.random();
    ByteString returnId = Ids.objectId(taskId, 1);
    String name = options.name().orElse(fn.displayName());
    ArgBuild ab = buildArgs(fn.captured(), args, fn.crossLanguage());
    ObjectTable.Entry entry = objects.create(returnId);
    ObjectRef<R> ref = newOwnedRef(returnId, fn.resultType());
    NormalTaskSubmitter.PendingTask pending =
        normalSubmitter.newTask(
            taskId, name, resources, List.of(returnId), ab.argRefs, options.maxRetries());
    entry.producer = pending;
    TaskExecutor.TaskContext parent = TaskExecutor.current();
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setTaskId(taskId)
            .setJobId(jobId)
            .setType(TaskType.TASK_TYPE_NORMAL_TASK)
            .setFunction(fn.descriptor())
            .setNumReturns(1)
            .setRequiredResources(resources.toProto())
            .setCallerAddress(address)
            .setMaxRetries(options.maxRetries())
            .setRetryExceptions(options.retryExceptions())
            .setName(name)
            .setDepth(parent == null ? 0 : parent.depth() + 1);
    if (parent != null) {
      spec.setParentTaskId(parent.taskId());
    }
    whenResolved(
        ab,
        () -> normalSubmitter.submit(pending, ab.fill(spec).build()),
        f -> normalSubmitter.failBeforeSubmit(pending, f));
    return ref;
  }

  @Override
  public <A> ActorHandle<A> createActor(Object func, Object[] args, ActorOptions options) {
    checkOpen();
    FunctionResolver.Resolved fn = resolver.resolve(func);
    ByteString actorId = Ids.random();
    ByteString taskId = Ids.random();
    Map<String, Double> placement = new HashMap<>();
    placement.put(ResourceSet.CPU, 1.0);
    placement.putAll(options.resources());
    ArgBuild ab = buildArgs(fn.captured(), args, fn.crossLanguage());
    try {
      awaitResolved(ab);
    } finally {
      ab.argRefs.forEach(this::releaseTaskRef);
    }
    String className =
        fn.crossLanguage()
            ? fn.descriptor().getModuleOrClass() + "." + fn.descriptor().getFunctionName()
            : fn.descriptor().getModuleOrClass();
    ActorCreationSpec.Builder creation =
        ActorCreationSpec.newBuilder()
            .setActorId(actorId)
            .setMaxConcurrency(options.maxConcurrency())
            .setMaxRestarts(options.maxRestarts())
            .setMaxTaskRetries(options.maxTaskRetries())
            .addAllJvmOptions(options.jvmOptions());
    options.name().ifPresent(creation::setName);
    creation.setNamespace(options.namespace().orElse(namespace));
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setTaskId(taskId)
            .setJobId(jobId)
            .setType(TaskType.TASK_TYPE_ACTOR_CREATION_TASK)
            .setFunction(fn.descriptor())
            .setNumReturns(0)
            .setRequiredResources(ResourceSet.of(options.resources()).toProto())
            .setPlacementResources(ResourceSet.of(placement).toProto())
            .setCallerAddress(address)
            .setName(fn.displayName())
            .setActorCreation(creation);
    CreateActorReply reply =
        controlBlocking()
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .createActor(
                CreateActorRequest.newBuilder().setCreationTask(ab.fill(spec).build()).build());
    if (reply.hasFailure()) {
      throw new GlintException(reply.getFailure().getMessage());
    }
    return new ActorHandleImpl<>(actorId, className);
  }

  @Override
  public <R> ObjectRef<R> submitActorTask(
      ActorHandle<?> actor, Object func, Object[] args, String name) {
    checkOpen();
    if (!(actor instanceof ActorHandleImpl<?> h)) {
      throw new IllegalArgumentException("Not an actor handle of this runtime: " + actor);
    }
    FunctionResolver.Resolved fn = resolver.resolve(func);
    ByteString taskId = Ids.random();
    ByteString returnId = Ids.objectId(taskId, 1);
    String display = name != null ? name : fn.displayName();
    ArgBuild ab = buildArgs(fn.captured(), args, fn.crossLanguage());
    objects.create(returnId);
    ObjectRef<R> ref = newOwnedRef(returnId, fn.resultType());
    ActorTaskSubmitter.PendingCall call =
        new ActorTaskSubmitter.PendingCall(
            taskId, h.actorId, display, List.of(returnId), ab.argRefs);
    actorSubmitter.register(call);
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setTaskId(taskId)
            .setJobId(jobId)
            .setType(TaskType.TASK_TYPE_ACTOR_TASK)
            .setFunction(fn.descriptor())
            .setNumReturns(1)
            .setCallerAddress(address)
            .setName(display)
            .setActorTask(
                ActorTaskSpec.newBuilder().setActorId(h.actorId).setCallerId(settings.workerId()));
    whenResolved(
        ab,
        () -> actorSubmitter.ready(call, ab.fill(spec).build()),
        f -> actorSubmitter.failed(call, f));
    return ref;
  }

  // ---------------------------------------------------------------- arguments

  /** Arguments being prepared: values serialized, refs waiting for their objects. */
  final class ArgBuild {
    final TaskArg[] captured;
    final TaskArg[] args;
    final List<Runnable> pendingFills = new ArrayList<>();
    final List<CompletableFuture<ObjectStatus>> deps = new ArrayList<>();
    final List<ObjectRefImpl<?>> depRefs = new ArrayList<>();
    final List<int[]> depSlots = new ArrayList<>();
    final List<ByteString> argRefs = new ArrayList<>();

    ArgBuild(int nCaptured, int nArgs) {
      captured = new TaskArg[nCaptured];
      args = new TaskArg[nArgs];
    }

    TaskSpec.Builder fill(TaskSpec.Builder spec) {
      for (TaskArg a : captured) {
        spec.addCapturedArgs(a);
      }
      for (TaskArg a : args) {
        spec.addArgs(a);
      }
      return spec;
    }
  }

  /** Arguments for a function in {@code crossLanguage} use the XLANG format. */
  private ArgBuild buildArgs(Object[] captured, Object[] args, boolean crossLanguage) {
    ArgBuild ab = new ArgBuild(captured.length, args.length);
    for (int i = 0; i < captured.length; i++) {
      ab.captured[i] = argOf(ab, captured[i], 0, i, crossLanguage);
    }
    for (int i = 0; i < args.length; i++) {
      ab.args[i] = argOf(ab, args[i], 1, i, crossLanguage);
    }
    return ab;
  }

  private TaskArg argOf(ArgBuild ab, Object value, int list, int index, boolean crossLanguage) {
    if (value instanceof ObjectRef<?> ref) {
      ObjectRefImpl<?> r = checkRef(ref);
      materialize(r);
      holdForTask(ab, r.objectId, r.owner);
      ab.deps.add(statusFuture(r));
      ab.depRefs.add(r);
      ab.depSlots.add(new int[] {list, index});
      return null;
    }
    // Arrow data, numeric arrays and matrices keep their own formats (Python reads them in place
    // or from one copy); other values cross as XLANG.
    Encoded enc =
        crossLanguage
                && !ArrowCodec.handles(value)
                && !BufferCodec.isNumeric(value)
                && !ArrowCodec.isNumericMatrix(value)
            ? encodeXlang(value)
            : encode(value);
    // Refs inside the value stay alive until the task is done; a worker that keeps one registers
    // itself as a borrower when it reads the value.
    for (ObjectReference nested : enc.nestedRefs()) {
      holdForTask(ab, nested.getObjectId(), nested.getOwner());
    }
    if (enc instanceof Encoded.Inline inline) {
      return TaskArg.newBuilder().setValue(inline.value()).build();
    }
    // Large argument: store it once and pass it by reference, as Ray does.
    ByteString id = Ids.objectId(Ids.random(), Ids.PUT_INDEX);
    ObjectStatus status = storeLarge(id, (Encoded.Large) enc, address);
    ObjectTable.Entry e = objects.create(id);
    e.status.complete(status);
    objects.addTaskRef(id);
    ab.argRefs.add(id);
    return TaskArg.newBuilder()
        .setObject(
            ObjectArg.newBuilder()
                .setRef(ObjectReference.newBuilder().setObjectId(id).setOwner(address))
                .setLocation(status.getLocation()))
        .build();
  }

  /** Keeps an object a task argument refers to alive until the task is done. */
  private void holdForTask(ArgBuild ab, ByteString id, Address owner) {
    if (objects.owns(id)) {
      objects.addTaskRef(id);
    } else {
      borrows.pin(id, owner);
    }
    ab.argRefs.add(id);
  }

  /** Runs {@code then} once every ref argument is ready (inlining small values). */
  private void whenResolved(
      ArgBuild ab, Runnable then, java.util.function.Consumer<Failure> onFailure) {
    if (ab.deps.isEmpty()) {
      then.run();
      return;
    }
    CompletableFuture.allOf(ab.deps.toArray(CompletableFuture[]::new))
        .whenComplete(
            (v, err) -> {
              Failure f = fillResolved(ab);
              if (f != null) {
                onFailure.accept(f);
              } else {
                then.run();
              }
            });
  }

  private void awaitResolved(ArgBuild ab) {
    if (ab.deps.isEmpty()) {
      return;
    }
    await(
        CompletableFuture.allOf(ab.deps.toArray(CompletableFuture[]::new)),
        -1,
        () -> "actor constructor arguments");
    Failure f = fillResolved(ab);
    if (f != null) {
      throw Failures.toException(f, loader());
    }
  }

  private Failure fillResolved(ArgBuild ab) {
    for (int i = 0; i < ab.deps.size(); i++) {
      ObjectStatus s = ab.deps.get(i).join();
      ObjectRefImpl<?> r = ab.depRefs.get(i);
      int[] slot = ab.depSlots.get(i);
      TaskArg arg;
      switch (s.getStateCase()) {
        case VALUE -> arg = TaskArg.newBuilder().setValue(s.getValue()).build();
        case LOCATION ->
            arg =
                TaskArg.newBuilder()
                    .setObject(
                        ObjectArg.newBuilder()
                            .setRef(
                                ObjectReference.newBuilder()
                                    .setObjectId(r.objectId)
                                    .setOwner(r.owner))
                            .setLocation(s.getLocation()))
                    .build();
        default -> {
          return s.getFailure();
        }
      }
      (slot[0] == 0 ? ab.captured : ab.args)[slot[1]] = arg;
    }
    return null;
  }

  // ---------------------------------------------------------------- objects

  @Override
  public <T> ObjectRef<T> put(T value) {
    checkOpen();
    ByteString id = Ids.objectId(Ids.random(), Ids.PUT_INDEX);
    Stored stored = store(id, value, address);
    if (stored.status().hasValue() && stored.nested().isEmpty()) {
      // Small and self-contained: the ref carries the value. It enters the object table only if
      // it leaves this process (see materialize); until then the GC alone reclaims it.
      return new ObjectRefImpl<>(id, address, this, null, stored.status());
    }
    objects.create(id);
    registerContained(id, stored.nested());
    objects.complete(id, stored.status(), stored.nested());
    return newOwnedRef(id);
  }

  /** A value ready to be stored: small ones travel inline, large ones go to the store. */
  sealed interface Encoded {
    /** ObjectRefs inside the value. */
    List<ObjectReference> nestedRefs();

    record Inline(SerializedValue value) implements Encoded {
      @Override
      public List<ObjectReference> nestedRefs() {
        return value.getNestedRefsList();
      }
    }

    record Large(
        long sizeBytes,
        ValueFormat format,
        java.util.function.Consumer<MemorySegment> writer,
        List<ObjectReference> nestedRefs)
        implements Encoded {
      Large(long sizeBytes, ValueFormat format, java.util.function.Consumer<MemorySegment> writer) {
        this(sizeBytes, format, writer, List.of());
      }
    }
  }

  /**
   * Encodes a value. Primitive arrays, NIO buffers and memory segments use the BUFFER format (one
   * bulk copy, no serializer pass, zero-copy views when read back); everything else the JAVA
   * format.
   */
  Encoded encode(Object value) {
    if (ArrowCodec.handles(value)) {
      var root = (VectorSchemaRoot) value;
      long size = arrow().encodedSize(root);
      if (size <= INLINE_MAX_BYTES) {
        return encodedBytes(arrow().encode(root), ValueFormat.VALUE_FORMAT_ARROW);
      }
      return new Encoded.Large(
          size, ValueFormat.VALUE_FORMAT_ARROW, seg -> arrow().write(root, seg));
    }
    if (BufferCodec.handles(value)) {
      long size = BufferCodec.encodedSize(value);
      if (size <= INLINE_MAX_BYTES) {
        return new Encoded.Inline(
            SerializedValue.newBuilder()
                .setFormat(ValueFormat.VALUE_FORMAT_BUFFER)
                .setPayload(
                    com.google.protobuf.UnsafeByteOperations.unsafeWrap(BufferCodec.encode(value)))
                .build());
      }
      return new Encoded.Large(
          size, ValueFormat.VALUE_FORMAT_BUFFER, seg -> BufferCodec.write(value, seg));
    }
    SerializedValue v = serializer.serialize(value);
    if (v.getPayload().size() <= INLINE_MAX_BYTES) {
      return new Encoded.Inline(v);
    }
    return new Encoded.Large(
        v.getPayload().size(),
        v.getFormat(),
        seg -> v.getPayload().copyTo(seg.asByteBuffer()),
        v.getNestedRefsList());
  }

  /** Encodes a value for another language (XLANG), with the refs inside it. */
  Encoded encodeXlang(Object value) {
    List<ObjectReference> nested = new ArrayList<>();
    byte[] bytes = xlang.encode(value, nested);
    return encodedBytes(bytes, ValueFormat.VALUE_FORMAT_XLANG, nested);
  }

  /** Already-encoded bytes in {@code format}, inline or for the store. */
  Encoded encodedBytes(byte[] bytes, ValueFormat format) {
    return encodedBytes(bytes, format, List.of());
  }

  Encoded encodedBytes(byte[] bytes, ValueFormat format, List<ObjectReference> nested) {
    if (bytes.length <= INLINE_MAX_BYTES) {
      return new Encoded.Inline(
          SerializedValue.newBuilder()
              .setFormat(format)
              .setPayload(com.google.protobuf.UnsafeByteOperations.unsafeWrap(bytes))
              .addAllNestedRefs(nested)
              .build());
    }
    return new Encoded.Large(
        bytes.length,
        format,
        seg ->
            MemorySegment.copy(
                bytes, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length),
        nested);
  }

  /** Stores already-encoded bytes as the object {@code objectId}, owned by {@code owner}. */
  ObjectStatus storeEncoded(ByteString objectId, Encoded enc, Address owner) {
    if (enc instanceof Encoded.Inline inline) {
      return ObjectStatus.newBuilder().setValue(inline.value()).build();
    }
    return storeLarge(objectId, (Encoded.Large) enc, owner);
  }

  XlangCodec xlang() {
    return xlang;
  }

  /** A program name resolved against PATH, as workers will run it. */
  public static Path pythonOnPath(String name) {
    return PythonRuntime.onPath(name);
  }

  /** Stores a value from another language, keeping it in the XLANG format. */
  <T> ObjectRef<T> putXlang(Object value) {
    checkOpen();
    ByteString id = Ids.objectId(Ids.random(), Ids.PUT_INDEX);
    Encoded enc = encodeXlang(value);
    ObjectStatus status = storeEncoded(id, enc, address);
    objects.create(id);
    // The stored value keeps the refs inside it alive, as a Java put's does.
    registerContained(id, enc.nestedRefs());
    objects.complete(id, status, enc.nestedRefs());
    return newOwnedRef(id);
  }

  /**
   * The XLANG bytes of a task argument for another language, encoded with {@code codec}: Java
   * values are converted, and XLANG bytes that hold refs are re-encoded so that the refs are
   * written as the codec writes them (for Python: handles this process holds until Python lets go,
   * so a ref Python keeps beyond the task stays valid). Bytes without refs go as they are.
   */
  byte[] xlangBytes(TaskArg a, XlangCodec codec) {
    byte[] raw = null;
    if (a.hasValue() && a.getValue().getFormat() == ValueFormat.VALUE_FORMAT_XLANG) {
      raw = a.getValue().getPayload().toByteArray();
    } else if (a.hasObject()
        && a.getObject().hasLocation()
        && a.getObject().getLocation().getFormat() == ValueFormat.VALUE_FORMAT_XLANG
        && a.getObject().getLocation().getNodeId().equals(settings.nodeId())) {
      ByteString id = a.getObject().getRef().getObjectId();
      if (pin(List.of(id)).isEmpty()) {
        try (SharedMemoryStore.ReadableObject o = store.get(id.toByteArray()).orElse(null)) {
          if (o != null) {
            raw = o.payload().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
          }
        } finally {
          unpin(List.of(id));
        }
      }
    }
    if (raw != null) {
      return XlangCodec.refsIn(raw).isEmpty()
          ? raw
          : codec.encode(xlang.decode(java.nio.ByteBuffer.wrap(raw)));
    }
    // A Java value (or one we must fetch): read it, then encode it for the other language.
    Object v =
        a.hasValue()
            ? readStatus(ByteString.EMPTY, ObjectStatus.newBuilder().setValue(a.getValue()).build())
            : get((ObjectRef<?>) argumentRef(a.getObject().getRef()), -1);
    return codec.encode(v);
  }

  /** A stored value and the refs inside it. */
  record Stored(ObjectStatus status, List<ObjectReference> nested) {}

  /**
   * Keeps a small value inline; seals a large one in this node's store, owned by {@code owner} (the
   * node keeps it until the owner frees it or dies, whatever happens to this process).
   */
  ObjectStatus storeValue(ByteString objectId, Object value, Address owner) {
    return store(objectId, value, owner).status();
  }

  Stored store(ByteString objectId, Object value, Address owner) {
    Encoded enc = encode(value);
    if (enc instanceof Encoded.Inline inline) {
      return new Stored(
          ObjectStatus.newBuilder().setValue(inline.value()).build(), enc.nestedRefs());
    }
    return new Stored(storeLarge(objectId, (Encoded.Large) enc, owner), enc.nestedRefs());
  }

  /**
   * Reserves room with the node daemon, writes the object into the mapping, seals it. The node
   * records {@code owner} as the object's owner: the process that frees it, and whose death frees
   * it.
   */
  ObjectStatus storeLarge(ByteString objectId, Encoded.Large value, Address owner) {
    reclaimBeforeGrowing(value.sizeBytes());
    var node =
        NodeServiceGrpc.newBlockingStub(channels.get(settings.nodeAddress()))
            .withDeadlineAfter(10, TimeUnit.MINUTES);
    CreateObjectReply r =
        node.createObject(
            CreateObjectRequest.newBuilder()
                .setObjectId(objectId)
                .setSizeBytes(value.sizeBytes())
                .setOwner(owner)
                .setWriterWorkerId(settings.workerId())
                .build());
    if (!r.getError().isEmpty()) {
      throw new ObjectStoreFullException(r.getError(), value.sizeBytes());
    }
    storeCapacity = r.getCapacityBytes();
    storeUsedFraction = r.getUsedFraction();
    storeReusableBytes = r.getReusableBytes();
    nudgeGcIfNeeded(value.sizeBytes(), r.getUsedFraction(), r.getCapacityBytes());
    try (SharedMemoryStore.WritableObject w =
        store.openPrepared(
            Path.of(r.getPath()),
            r.hasArenaOffset() ? r.getArenaOffset() : -1,
            value.sizeBytes(),
            (byte) value.format().getNumber())) {
      value.writer().accept(w.payload());
      w.seal();
    } catch (RuntimeException e) {
      node.freeObjects(FreeObjectsRequest.newBuilder().addObjectIds(objectId).build());
      throw e;
    }
    node.sealObject(SealObjectRequest.newBuilder().setObjectId(objectId).build());
    return ObjectStatus.newBuilder()
        .setLocation(
            ObjectLocation.newBuilder()
                .setNodeId(settings.nodeId())
                .setSizeBytes(value.sizeBytes())
                .setFormat(value.format()))
        .build();
  }

  private final java.util.concurrent.atomic.AtomicLong storedSinceGc =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicBoolean gcRunning =
      new java.util.concurrent.atomic.AtomicBoolean();
  private volatile long nextGcAllowedNanos;
  private volatile long storeCapacity;
  private volatile double storeUsedFraction;
  private volatile long storeReusableBytes;
  private volatile long lastReclaimGcMillis;

  /** The pause before the next requested collection; one slow collection does not stall us. */
  private static long gcBackoffNanos(long millis) {
    return Math.min(millis, 1000) * 1_000_000L;
  }

  /**
   * Before a large put that would not fit in the store's free, already faulted-in memory: when this
   * process has stored at least as much since its last collection, objects it dropped meanwhile are
   * likely waiting for the GC. Collect now, in this thread, and give the cleaner a moment to free
   * them, so that this object reuses their memory instead of touching new memory, which on a VM can
   * cost far more than the copy (here up to 2.6 s per 800 MB, against ~30 ms for the collection).
   * Ray frees on refcount drop; this is the JVM's nearest equivalent. A process whose collections
   * take longer than touching the memory would (a large heap; memory counted at 1 GB/s) grows
   * instead, unless the store is about to fill.
   */
  private void reclaimBeforeGrowing(long size) {
    long capacity = storeCapacity;
    double usedBytes = storeUsedFraction * capacity;
    if (capacity <= 0
        || size < capacity / 64
        || storeReusableBytes >= size
        || storedSinceGc.get() < size
        // A store that has touched little memory grows to a working set of a quarter of its
        // capacity once, so that collections come every few puts rather than before each.
        || storeReusableBytes + usedBytes + size <= capacity / 4.0) {
      return;
    }
    boolean nearlyFull = usedBytes + size > 0.9 * capacity;
    if ((!nearlyFull && lastReclaimGcMillis > size / 1_000_000L)
        || !gcRunning.compareAndSet(false, true)) {
      return;
    }
    try {
      storedSinceGc.set(0);
      java.util.concurrent.CountDownLatch cleaned = new java.util.concurrent.CountDownLatch(1);
      cleaner.register(new Object(), cleaned::countDown);
      long before = gcMillis();
      System.gc();
      lastReclaimGcMillis = gcMillis() - before;
      nextGcAllowedNanos = System.nanoTime() + gcBackoffNanos(3 * lastReclaimGcMillis);
      cleaned.await(100, TimeUnit.MILLISECONDS);
      Thread.sleep(1); // the cleaner runs the other actions of that collection
      // and the frees they sent reach the node before this object asks for room.
      long deadline = System.nanoTime() + 50_000_000L;
      while (freesInFlight.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      gcRunning.set(false);
    }
  }

  /**
   * Refs this process dropped release their objects only when the GC notices them. Once the store
   * is a quarter full and this process has stored a quarter of its capacity since the last
   * collection, ask for one, so that freed memory is reused (it is already faulted in and mapped)
   * instead of new memory being touched or live objects spilled. Collections requested here are
   * kept to about a tenth of the wall time.
   */
  private void nudgeGcIfNeeded(long stored, double usedFraction, long capacity) {
    long since = storedSinceGc.addAndGet(stored);
    if (usedFraction < 0.25 || since < capacity / 4 || System.nanoTime() < nextGcAllowedNanos) {
      return;
    }
    if (gcRunning.compareAndSet(false, true)) {
      storedSinceGc.set(0);
      try {
        callbacks.execute(
            () -> {
              long before = gcMillis();
              try {
                System.gc();
              } finally {
                nextGcAllowedNanos = System.nanoTime() + gcBackoffNanos(9 * (gcMillis() - before));
                gcRunning.set(false);
              }
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        gcRunning.set(false); // shutting down
      }
    }
  }

  /** Time spent in collections so far (not counting waits for a safepoint). */
  private static long gcMillis() {
    long t = 0;
    for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      t += Math.max(0, gc.getCollectionTime());
    }
    return t;
  }

  /**
   * The return object for a task result, inline or sealed in the store. The caller owns it: a
   * stored result outlives this process (an actor killed, a pooled worker reaped or crashed).
   */
  ReturnObject returnObject(ByteString objectId, Address caller, Object value) {
    ByteString callerWorkerId = caller.getWorkerId();
    Stored stored = store(objectId, value, caller);
    ObjectStatus s = stored.status();
    // The value keeps the refs inside it alive: registered now, while this task still holds
    // them; the value's owner (the caller) releases them when it frees the value.
    registerContained(objectId, callerWorkerId, stored.nested());
    ReturnObject.Builder b =
        ReturnObject.newBuilder().setObjectId(objectId).addAllNestedRefs(stored.nested());
    if (s.hasValue()) {
      b.setValue(s.getValue());
    } else {
      b.setLocation(s.getLocation());
    }
    return b.build();
  }

  private <T> ObjectRef<T> newOwnedRef(ByteString id) {
    return newOwnedRef(id, null);
  }

  /**
   * A ref that carries its value (a small put) is about to leave this process, or to be held by a
   * task: it enters the object table, with the reference counting every other ref gets.
   */
  private void materialize(ObjectRefImpl<?> r) {
    if (r.inlineStatus == null) {
      return;
    }
    synchronized (r) {
      if (r.materialized) {
        return;
      }
      objects.create(r.objectId);
      objects.complete(r.objectId, r.inlineStatus, List.of());
      objects.addLocalRef(r.objectId);
      ObjectTable table = objects;
      ByteString id = r.objectId;
      cleaner.register(r, () -> table.removeLocalRef(id));
      r.materialized = true;
    }
  }

  private <T> ObjectRef<T> newOwnedRef(ByteString id, Class<?> resultType) {
    objects.addLocalRef(id);
    ObjectRefImpl<T> ref = new ObjectRefImpl<>(id, address, this, resultType);
    ObjectTable table = objects;
    cleaner.register(ref, () -> table.removeLocalRef(id));
    return ref;
  }

  void releaseTaskRef(ByteString id) {
    if (objects.owns(id)) {
      objects.removeTaskRef(id);
    } else {
      borrows.release(id);
    }
  }

  // ---------------------------------------------------------------- borrowing

  /**
   * The borrower name of an object whose value contains refs: {@code c:<object>@<its owner's
   * worker>}, so that the borrow can be released should the owner die (see {@link
   * ObjectTable#releaseBorrowersOf}).
   */
  private static String containerKey(ByteString containerId, ByteString ownerWorkerId) {
    return "c:" + Ids.hex(containerId) + "@" + Ids.hex(ownerWorkerId);
  }

  /** Registers object {@code containerId}, owned here, as a borrower of the refs inside it. */
  void registerContained(ByteString containerId, List<ObjectReference> nested) {
    registerContained(containerId, settings.workerId(), nested);
  }

  /** Registers object {@code containerId} as a borrower of every ref inside its value. */
  void registerContained(
      ByteString containerId, ByteString ownerWorkerId, List<ObjectReference> nested) {
    if (nested.isEmpty()) {
      return;
    }
    sendByOwner(nested, containerKey(containerId, ownerWorkerId), false, true);
  }

  /** Object {@code containerId} (owned here) was freed: its borrows of the refs inside it stop. */
  private void releaseContained(ByteString containerId, List<ObjectReference> nested) {
    sendByOwner(nested, containerKey(containerId, settings.workerId()), true, false);
  }

  private void sendByOwner(
      List<ObjectReference> refs, String borrower, boolean released, boolean sync) {
    Map<Address, List<BorrowUpdate>> byOwner = new java.util.LinkedHashMap<>();
    for (ObjectReference r : refs) {
      byOwner
          .computeIfAbsent(r.getOwner(), k -> new ArrayList<>())
          .add(
              BorrowUpdate.newBuilder()
                  .setObjectId(r.getObjectId())
                  .setBorrower(borrower)
                  .setEpoch(1)
                  .setReleased(released)
                  .build());
    }
    byOwner.forEach((owner, ups) -> sendBorrowUpdates(owner, ups, sync));
  }

  /** Tells an owner about borrows: this process's own table directly, others over gRPC. */
  void sendBorrowUpdates(Address owner, List<BorrowUpdate> updates, boolean sync) {
    if (owner.getWorkerId().equals(settings.workerId())) {
      applyBorrowUpdates(updates);
      return;
    }
    if (shutdown && !sync) {
      return;
    }
    UpdateBorrowsRequest req = UpdateBorrowsRequest.newBuilder().addAllUpdates(updates).build();
    Rpc.detached(
        () -> {
          if (sync) {
            try {
              WorkerServiceGrpc.newBlockingStub(channels.get(owner))
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .updateBorrows(req);
            } catch (io.grpc.StatusRuntimeException e) {
              // The owner is gone, and its objects with it: reading them fails on its own.
              LOG.log(System.Logger.Level.DEBUG, "borrow update to " + owner + " failed: " + e);
            }
          } else {
            WorkerServiceGrpc.newStub(channels.get(owner)).updateBorrows(req, ignore());
          }
        });
  }

  /** Borrow updates for objects this process owns. */
  void applyBorrowUpdates(List<BorrowUpdate> updates) {
    for (BorrowUpdate u : updates) {
      objects.updateBorrow(u.getObjectId(), u.getBorrower(), u.getEpoch(), u.getReleased());
    }
  }

  /** How many borrowers hold an object this process owns (tests, stats). */
  int borrowersOf(ByteString id) {
    return objects.borrowers(id);
  }

  BorrowTable borrows() {
    return borrows;
  }

  private final java.util.concurrent.atomic.AtomicLong tasksDone =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile long collectedAfter = -1;

  /**
   * A task finished. Refs this worker borrowed are released only when the GC finds their instances
   * dropped, and an idle worker allocates nothing that would start a collection: so once it has
   * stayed idle for a moment while it still borrows, collect once.
   */
  void afterTask() {
    long n = tasksDone.incrementAndGet();
    if ((borrows.size() == 0 && objects.size() == 0) || shutdown) {
      return;
    }
    try {
      scheduler.schedule(() -> collectIfIdle(n), IDLE_GC_DELAY_MS, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
      // shutting down: the borrows are released anyway
    }
  }

  /** Collects if no task finished since the {@code n}th, none runs, and refs are borrowed. */
  private void collectIfIdle(long n) {
    TaskExecutor ex = executor;
    if (tasksDone.get() == n
        && collectedAfter != n
        && (ex == null || ex.idle())
        && (borrows.size() > 0 || objects.size() > 0)) {
      collectedAfter = n;
      callbacks.execute(System::gc);
    }
  }

  private static final long IDLE_GC_DELAY_MS = 300;

  private static final long DEAD_WORKER_POLL_MS = 1000;
  private volatile long deadWorkersSeq;
  private final java.util.concurrent.atomic.AtomicBoolean deadWorkersPolling =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * A borrower whose process died cannot say it let go: while other processes borrow objects this
   * one owns, ask the control service which workers died and release their borrows.
   */
  private void releaseBorrowsOfDeadWorkers() {
    if (shutdown
        || objects.remoteBorrows() == 0
        || !deadWorkersPolling.compareAndSet(false, true)) {
      return;
    }
    controlStub()
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .getDeadWorkers(
            io.glint.internal.proto.GetDeadWorkersRequest.newBuilder()
                .setAfterSeq(deadWorkersSeq)
                .build(),
            new StreamObserver<>() {
              @Override
              public void onNext(io.glint.internal.proto.GetDeadWorkersReply r) {
                deadWorkersSeq = r.getLastSeq();
                for (ByteString w : r.getWorkerIdsList()) {
                  objects.releaseBorrowersOf(Ids.hex(w));
                }
              }

              @Override
              public void onError(Throwable t) {
                deadWorkersPolling.set(false);
              }

              @Override
              public void onCompleted() {
                deadWorkersPolling.set(false);
              }
            });
  }

  void completeReturns(List<ByteString> returnIds, TaskResult r) {
    for (ReturnObject ro : r.getReturnsList()) {
      ObjectStatus s =
          ro.hasValue()
              ? ObjectStatus.newBuilder().setValue(ro.getValue()).build()
              : ObjectStatus.newBuilder().setLocation(ro.getLocation()).build();
      objects.complete(ro.getObjectId(), s, ro.getNestedRefsList());
    }
  }

  void failReturns(List<ByteString> returnIds, Failure f) {
    ObjectStatus s = ObjectStatus.newBuilder().setFailure(f).build();
    for (ByteString id : returnIds) {
      objects.complete(id, s);
    }
  }

  /** Frees a sealed object on its node. */
  void freeStored(ByteString objectId, ObjectLocation loc) {
    views.remove(objectId);
    if (shutdown) {
      return;
    }
    Address node = nodeAddresses.get(loc.getNodeId());
    if (node == null) {
      return;
    }
    // Frees can be triggered inside a gRPC handler (a borrower's update): detach, or the call
    // is cancelled when that handler returns.
    freesInFlight.incrementAndGet();
    Rpc.detached(
        () ->
            nodeStub(node)
                .freeObjects(
                    FreeObjectsRequest.newBuilder().addObjectIds(objectId).build(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(FreeObjectsReply value) {}

                      @Override
                      public void onError(Throwable t) {
                        freesInFlight.decrementAndGet();
                      }

                      @Override
                      public void onCompleted() {
                        freesInFlight.decrementAndGet();
                      }
                    }));
  }

  private final java.util.concurrent.atomic.AtomicInteger freesInFlight =
      new java.util.concurrent.atomic.AtomicInteger();

  /** The status of an object: owned ones from the table, borrowed ones from their owner. */
  CompletableFuture<ObjectStatus> statusFuture(ObjectRefImpl<?> r) {
    if (r.inlineStatus != null) {
      return CompletableFuture.completedFuture(r.inlineStatus);
    }
    ObjectTable.Entry e = objects.get(r.objectId);
    if (e != null) {
      return e.status;
    }
    if (r.owner.getWorkerId().equals(settings.workerId())) {
      return CompletableFuture.completedFuture(
          ObjectStatus.newBuilder()
              .setFailure(
                  Failures.system(
                      FailureKind.FAILURE_KIND_OBJECT_LOST,
                      "ObjectFreedError",
                      "object " + Ids.shortHex(r.objectId) + " was already freed by its owner",
                      false))
              .build());
    }
    return fetching.computeIfAbsent(
        r.objectId,
        id -> {
          CompletableFuture<ObjectStatus> f = new CompletableFuture<>();
          askOwner(r, f);
          f.whenComplete((s, err) -> fetching.remove(id, f));
          return f;
        });
  }

  private void askOwner(ObjectRefImpl<?> r, CompletableFuture<ObjectStatus> f) {
    WorkerServiceGrpc.newStub(channels.get(r.owner))
        .getObjectStatus(
            GetObjectStatusRequest.newBuilder()
                .setObjectId(r.objectId)
                .setTimeoutMs(10_000)
                .build(),
            new StreamObserver<>() {
              @Override
              public void onNext(GetObjectStatusReply reply) {
                if (reply.getPending()) {
                  if (!shutdown) {
                    askOwner(r, f);
                  }
                } else if (reply.getUnknown()) {
                  f.complete(
                      failureStatus(
                          FailureKind.FAILURE_KIND_OBJECT_LOST,
                          "ObjectLostError",
                          "the owner of object "
                              + Ids.shortHex(r.objectId)
                              + " no longer has it (it was freed)"));
                } else {
                  f.complete(reply.getStatus());
                }
              }

              @Override
              public void onError(Throwable t) {
                f.complete(
                    failureStatus(
                        FailureKind.FAILURE_KIND_OWNER_DIED,
                        "OwnerDiedError",
                        "the owner of object "
                            + Ids.shortHex(r.objectId)
                            + " ("
                            + r.owner.getHost()
                            + ":"
                            + r.owner.getPort()
                            + ") is unreachable: "
                            + Status.fromThrowable(t).getCode()));
              }

              @Override
              public void onCompleted() {}
            });
  }

  private static ObjectStatus failureStatus(FailureKind kind, String type, String message) {
    return ObjectStatus.newBuilder()
        .setFailure(Failures.system(kind, type, message, false))
        .build();
  }

  /** Owner side of GetObjectStatus. */
  void answerObjectStatus(
      ByteString objectId, long timeoutMs, StreamObserver<GetObjectStatusReply> obs) {
    ObjectTable.Entry e = objects.get(objectId);
    if (e == null) {
      obs.onNext(GetObjectStatusReply.newBuilder().setUnknown(true).build());
      obs.onCompleted();
      return;
    }
    CompletableFuture<ObjectStatus> f = e.status;
    if (!f.isDone() && timeoutMs > 0) {
      f = f.copy().completeOnTimeout(null, timeoutMs, TimeUnit.MILLISECONDS);
    }
    f.whenComplete(
        (s, err) -> {
          try {
            if (s == null) {
              obs.onNext(GetObjectStatusReply.newBuilder().setPending(true).build());
            } else {
              obs.onNext(GetObjectStatusReply.newBuilder().setStatus(s).build());
            }
            obs.onCompleted();
          } catch (RuntimeException ignored) {
            // the borrower went away
          }
        });
  }

  /** The value of an object status: deserialized, read from the store, or thrown. */
  Object readStatus(ByteString objectId, ObjectStatus s) {
    switch (s.getStateCase()) {
      case VALUE:
        if (s.getValue().getFormat() == ValueFormat.VALUE_FORMAT_ARROW) {
          return arrow()
              .read(MemorySegment.ofBuffer(s.getValue().getPayload().asReadOnlyByteBuffer()), null);
        }
        if (s.getValue().getFormat() == ValueFormat.VALUE_FORMAT_XLANG) {
          return xlang.decode(s.getValue().getPayload().asReadOnlyByteBuffer());
        }
        if (s.getValue().getFormat() == ValueFormat.VALUE_FORMAT_BUFFER) {
          return BufferCodec.read(
              MemorySegment.ofBuffer(s.getValue().getPayload().asReadOnlyByteBuffer()));
        }
        return serializer.deserialize(s.getValue());
      case LOCATION:
        return readStored(objectId, s.getLocation());
      case FAILURE:
        throw Failures.toException(s.getFailure(), loader());
      default:
        throw new IllegalStateException("object " + Ids.shortHex(objectId) + " has no state");
    }
  }

  Object readStored(ByteString objectId, ObjectLocation loc) {
    if (!loc.getNodeId().equals(settings.nodeId())) {
      throw Failures.toException(
          Failures.system(
              FailureKind.FAILURE_KIND_OBJECT_LOST,
              "ObjectTransferUnavailable",
              "object "
                  + Ids.shortHex(objectId)
                  + " lives on node "
                  + Ids.shortHex(loc.getNodeId())
                  + " and cross-node transfer is not available in this version",
              false),
          loader());
    }
    // A live view of it in this process holds it already: read through that, no round trip.
    java.lang.ref.WeakReference<MemorySegment> cached = views.get(objectId);
    MemorySegment view = cached == null ? null : cached.get();
    if (view != null) {
      return decodeStored(loc.getFormat(), view);
    }
    // Held while it is read: its memory is not spilled or reused meanwhile (and a spilled
    // object is restored by the pin).
    if (!pin(List.of(objectId)).isEmpty()) {
      throw objectLost(objectId);
    }
    try {
      Optional<SharedMemoryStore.ReadableObject> o = store.get(objectId.toByteArray());
      if (o.isEmpty()) {
        throw objectLost(objectId);
      }
      try (SharedMemoryStore.ReadableObject obj = o.get()) {
        ValueFormat format = ValueFormat.forNumber(obj.format());
        // Zero-copy values (Arrow vectors, buffer views) are read over a view of the mapping that
        // later gets share; everything else is decoded from the bytes while they are held.
        boolean zeroCopy =
            format == ValueFormat.VALUE_FORMAT_ARROW
                || (format == ValueFormat.VALUE_FORMAT_BUFFER && BufferCodec.isView(obj.payload()));
        return decodeStored(format, zeroCopy ? mappedView(objectId) : obj.payload());
      }
    } finally {
      unpin(List.of(objectId));
    }
  }

  /** A value from its stored bytes (held in place while it is decoded, or by a view). */
  private Object decodeStored(ValueFormat format, MemorySegment view) {
    return switch (format) {
      case VALUE_FORMAT_BUFFER -> BufferCodec.read(view);
      case VALUE_FORMAT_XLANG -> xlang.decode(view.asByteBuffer());
      case VALUE_FORMAT_ARROW -> arrow().read(view, null);
      default -> serializer.deserialize(format, view.asByteBuffer());
    };
  }

  private RuntimeException objectLost(ByteString objectId) {
    return Failures.toException(
        Failures.system(
            FailureKind.FAILURE_KIND_OBJECT_LOST,
            "ObjectLostError",
            "object " + Ids.shortHex(objectId) + " is no longer in the node's store",
            false),
        loader());
  }

  /**
   * A stored object's memory handed to user code as a read-only view. Gets of the same object in
   * this process share it. A view of the arena holds the object (a pin) until the view is
   * unreachable, so its bytes stay put even after every ref is gone; a view of an object's own file
   * keeps that mapping alive instead.
   */
  private MemorySegment mappedView(ByteString objectId) {
    java.lang.ref.WeakReference<MemorySegment> cached = views.get(objectId);
    MemorySegment seg = cached == null ? null : cached.get();
    if (seg != null) {
      return seg;
    }
    if (!pin(List.of(objectId)).isEmpty()) {
      throw objectLost(objectId);
    }
    boolean pinKept = false;
    try {
      SharedMemoryStore.ReadableObject obj =
          store.get(objectId.toByteArray(), true).orElseThrow(() -> objectLost(objectId));
      if (obj.inArena()) {
        MemorySegment mapping = store.arena();
        seg =
            obj.payload()
                .reinterpret(Arena.ofAuto(), unused -> releaseView(objectId, mapping))
                .asReadOnly();
        pinKept = true;
      } else {
        seg = obj.payload();
      }
      views.put(objectId, new java.lang.ref.WeakReference<>(seg));
      return seg;
    } finally {
      if (!pinKept) {
        unpin(List.of(objectId));
      }
    }
  }

  /** A view of the arena became unreachable (the GC's cleaner thread): drop its hold. */
  private void releaseView(ByteString objectId, MemorySegment mapping) {
    // The mapping stays reachable (and mapped) for as long as any view needs it.
    java.lang.ref.Reference.reachabilityFence(mapping);
    views.computeIfPresent(objectId, (id, w) -> w.get() == null ? null : w);
    try {
      unpin(List.of(objectId));
    } catch (RuntimeException ignored) {
      // shut down meanwhile: the node daemon released everything
    }
  }

  ArrowCodec arrow() {
    ArrowCodec a = arrow;
    if (a == null) {
      synchronized (this) {
        if (arrow == null) {
          arrow = new ArrowCodec();
        }
        a = arrow;
      }
    }
    return a;
  }

  /** Whether a task argument holds Arrow data. */
  static boolean isArrow(TaskArg a) {
    return a.hasValue()
        ? a.getValue().getFormat() == ValueFormat.VALUE_FORMAT_ARROW
        : a.hasObject()
            && a.getObject().getLocation().getFormat() == ValueFormat.VALUE_FORMAT_ARROW;
  }

  /** As {@link #numericVector(TaskArg)}, for an object this process reads by ref. */
  FieldVector numericVector(ObjectRef<?> ref, long timeoutMs) {
    ObjectStatus s = awaitStatus(checkRef(ref), timeoutMs);
    TaskArg.Builder a = TaskArg.newBuilder();
    if (s.hasValue()) {
      a.setValue(s.getValue());
    } else if (s.hasLocation()) {
      a.getObjectBuilder().setRef(toReference(ref)).setLocation(s.getLocation());
    } else {
      return null;
    }
    return numericVector(a.build());
  }

  /** The value format of an object, once it is ready; null when it failed. */
  ValueFormat storedFormat(ObjectRef<?> ref, long timeoutMs) {
    ObjectStatus s = awaitStatus(checkRef(ref), timeoutMs);
    return s.hasValue()
        ? s.getValue().getFormat()
        : s.hasLocation() ? s.getLocation().getFormat() : null;
  }

  /**
   * A task argument holding numeric elements (a {@code double[]}, a {@code DoubleBuffer}, ...) as
   * an Arrow vector over its memory: for a stored object, the mapping itself. Null when the
   * argument is something else, or not on this node.
   */
  FieldVector numericVector(TaskArg a) {
    MemorySegment src;
    if (a.hasValue() && a.getValue().getFormat() == ValueFormat.VALUE_FORMAT_BUFFER) {
      src = MemorySegment.ofBuffer(a.getValue().getPayload().asReadOnlyByteBuffer());
    } else if (a.hasObject()
        && a.getObject().hasLocation()
        && a.getObject().getLocation().getFormat() == ValueFormat.VALUE_FORMAT_BUFFER
        && a.getObject().getLocation().getNodeId().equals(settings.nodeId())) {
      src = mappedView(a.getObject().getRef().getObjectId());
    } else {
      return null;
    }
    BufferCodec.Elements el = BufferCodec.elements(src);
    if (el.type().equals("byte") || el.type().equals("char")) {
      return null;
    }
    return arrow().vectorOver(el.type(), el.count(), el.data(), src);
  }

  /** The Java value of a task argument (any format). */
  Object argValue(TaskArg a) {
    if (a.hasValue()) {
      return readStatus(ByteString.EMPTY, ObjectStatus.newBuilder().setValue(a.getValue()).build());
    }
    var obj = a.getObject();
    if (obj.hasLocation()) {
      return readStored(obj.getRef().getObjectId(), obj.getLocation());
    }
    return get((ObjectRef<?>) argumentRef(obj.getRef()), -1);
  }

  /** Keeps objects of this node in memory (restoring spilled ones); returns the missing ids. */
  List<ByteString> pin(List<ByteString> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    try {
      PinObjectsReply r =
          NodeServiceGrpc.newBlockingStub(channels.get(settings.nodeAddress()))
              .withDeadlineAfter(10, TimeUnit.MINUTES)
              .pinObjects(
                  PinObjectsRequest.newBuilder()
                      .setWorkerId(settings.workerId())
                      .addAllObjectIds(ids)
                      .build());
      return r.getMissingList();
    } catch (StatusRuntimeException e) {
      throw new ObjectStoreFullException(
          "Cannot bring objects back into memory: " + e.getStatus().getDescription(), 0);
    }
  }

  void unpin(List<ByteString> ids) {
    if (!ids.isEmpty() && !shutdown) {
      nodeStub(settings.nodeAddress())
          .unpinObjects(
              PinObjectsRequest.newBuilder()
                  .setWorkerId(settings.workerId())
                  .addAllObjectIds(ids)
                  .build(),
              ignore());
    }
  }

  @Override
  public List<ObjectStoreStats> objectStoreStats() {
    fetchResources();
    List<ObjectStoreStats> out = new ArrayList<>();
    for (NodeInfo n : clusterView) {
      io.glint.internal.proto.ObjectStoreStats s =
          NodeServiceGrpc.newBlockingStub(channels.get(n.getAddress()))
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .getObjectStoreStats(
                  GetObjectStoreStatsRequest.newBuilder().setIncludeObjects(true).build());
      List<ObjectStoreStats.StoredObject> objs = new ArrayList<>();
      for (var o : s.getObjectsList()) {
        objs.add(
            new ObjectStoreStats.StoredObject(
                Ids.hex(o.getObjectId()),
                o.getSizeBytes(),
                o.getOwner().getHost() + ":" + o.getOwner().getPort(),
                o.getPinned(),
                o.getSpilled()));
      }
      out.add(
          new ObjectStoreStats(
              Ids.hex(s.getNodeId()),
              s.getCapacityBytes(),
              s.getUsedBytes(),
              s.getPeakUsedBytes(),
              s.getObjectCount(),
              s.getSpilledObjects(),
              s.getSpilledBytesTotal(),
              s.getRestoredBytesTotal(),
              s.getEvictionsTotal(),
              s.getObjectsCreatedTotal(),
              objs));
    }
    return out;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(ObjectRef<T> ref, long timeoutMs) {
    ObjectRefImpl<T> r = checkRef(ref);
    ObjectStatus s = awaitStatus(r, timeoutMs);
    return (T) XlangCodec.convert(readStatus(r.objectId, s), r.resultType);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> List<T> get(List<? extends ObjectRef<? extends T>> refs, long timeoutMs) {
    long deadline = timeoutMs < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMs * 1_000_000;
    List<CompletableFuture<ObjectStatus>> futures = new ArrayList<>(refs.size());
    for (ObjectRef<? extends T> ref : refs) {
      futures.add(statusFuture(checkRef(ref)));
    }
    List<T> out = new ArrayList<>(refs.size());
    for (int i = 0; i < refs.size(); i++) {
      ObjectRefImpl<?> r = (ObjectRefImpl<?>) refs.get(i);
      long left = timeoutMs < 0 ? -1 : Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
      ObjectStatus s = await(futures.get(i), left, () -> timeoutMessage(r, timeoutMs));
      out.add((T) XlangCodec.convert(readStatus(r.objectId, s), r.resultType));
    }
    return out;
  }

  @Override
  public <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, long timeoutMs) {
    List<CompletableFuture<ObjectStatus>> futures = new ArrayList<>(refs.size());
    for (ObjectRef<T> ref : refs) {
      futures.add(statusFuture(checkRef(ref)));
    }
    Object lock = new Object();
    int[] done = {0};
    for (CompletableFuture<ObjectStatus> f : futures) {
      f.whenComplete(
          (s, e) -> {
            synchronized (lock) {
              done[0]++;
              lock.notifyAll();
            }
          });
    }
    long deadline = timeoutMs < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMs * 1_000_000;
    boolean blocked = false;
    try {
      synchronized (lock) {
        while (done[0] < numReturns) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          if (!blocked) {
            blocked = true;
            enterBlocked();
          }
          lock.wait(Math.max(1, Math.min(left / 1_000_000, Long.MAX_VALUE / 2)));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GlintException("Interrupted while waiting for objects", e);
    } finally {
      if (blocked) {
        exitBlocked();
      }
    }
    List<ObjectRef<T>> ready = new ArrayList<>();
    List<ObjectRef<T>> unready = new ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      if (futures.get(i).isDone() && ready.size() < numReturns) {
        ready.add(refs.get(i));
      } else {
        unready.add(refs.get(i));
      }
    }
    return new WaitResult<>(ready, unready);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> toCompletableFuture(ObjectRef<T> ref) {
    ObjectRefImpl<T> r = checkRef(ref);
    CompletableFuture<T> out = new CompletableFuture<>();
    statusFuture(r)
        .whenCompleteAsync(
            (s, err) -> {
              try {
                out.complete((T) XlangCodec.convert(readStatus(r.objectId, s), r.resultType));
              } catch (Throwable t) {
                out.completeExceptionally(t);
              }
            },
            callbacks);
    return out;
  }

  /** An object's status once it is ready, failing with a typed timeout after {@code timeoutMs}. */
  private ObjectStatus awaitStatus(ObjectRefImpl<?> r, long timeoutMs) {
    return await(statusFuture(r), timeoutMs, () -> timeoutMessage(r, timeoutMs));
  }

  private <T> T await(CompletableFuture<T> f, long timeoutMs, Supplier<String> timeoutMessage) {
    if (f.isDone()) {
      return f.join();
    }
    enterBlocked();
    try {
      return timeoutMs < 0 ? f.get() : f.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new GetTimeoutException(timeoutMessage.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GlintException("Interrupted while waiting for an object", e);
    } catch (ExecutionException e) {
      throw new GlintException("Unexpected failure while waiting for an object", e.getCause());
    } finally {
      exitBlocked();
    }
  }

  /** A worker blocked in get gives its CPU back to the node while it waits. */
  private void enterBlocked() {
    if (settings.mode() == Mode.WORKER
        && TaskExecutor.current() != null
        && TaskExecutor.current().releasesCpuWhenBlocked()
        && blockedDepth.getAndIncrement() == 0) {
      notifyNode(true);
    }
  }

  private void exitBlocked() {
    if (settings.mode() == Mode.WORKER
        && TaskExecutor.current() != null
        && TaskExecutor.current().releasesCpuWhenBlocked()
        && blockedDepth.decrementAndGet() == 0) {
      notifyNode(false);
    }
  }

  private void notifyNode(boolean blocked) {
    try {
      var stub =
          NodeServiceGrpc.newBlockingStub(channels.get(settings.nodeAddress()))
              .withDeadlineAfter(10, TimeUnit.SECONDS);
      WorkerBlockedRequest req =
          WorkerBlockedRequest.newBuilder().setWorkerId(settings.workerId()).build();
      if (blocked) {
        stub.notifyWorkerBlocked(req);
      } else {
        stub.notifyWorkerUnblocked(req);
      }
    } catch (StatusRuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "Cannot tell the node daemon about a blocked get: " + e);
    }
  }

  private String timeoutMessage(ObjectRefImpl<?> r, long timeoutMs) {
    StringBuilder sb =
        new StringBuilder("Timed out after ")
            .append(timeoutMs)
            .append(" ms waiting for ")
            .append(r);
    ObjectTable.Entry e = objects.get(r.objectId);
    if (e != null && e.producer != null) {
      NormalTaskSubmitter.PendingTask t = e.producer;
      sb.append(" (result of ").append(t.name).append("): ").append(t.pendingReason());
    } else if (e == null) {
      sb.append(" (owned by another process)");
    }
    return sb.toString();
  }

  /** Null when some node can hold {@code r}; else a message comparing it with the cluster. */
  String infeasibility(ResourceSet r) {
    List<NodeInfo> nodes = clusterView;
    if (nodes.isEmpty()) {
      return null;
    }
    ResourceSet total = ResourceSet.EMPTY;
    for (NodeInfo n : nodes) {
      ResourceSet t = ResourceSet.fromProto(n.getTotal());
      if (r.fitsIn(t)) {
        return null;
      }
      total = total.plus(t);
    }
    return "the request "
        + r
        + " fits on no node; the cluster has "
        + total
        + " in total over "
        + nodes.size()
        + " node"
        + (nodes.size() == 1 ? "" : "s");
  }

  // ---------------------------------------------------------------- control

  @Override
  public void cancel(ObjectRef<?> ref, boolean force) {
    ObjectRefImpl<?> r = checkRef(ref);
    ByteString taskId = Ids.taskIdOf(r.objectId);
    if (normalSubmitter.pending(taskId) != null) {
      normalSubmitter.cancel(taskId, force);
    } else if (actorSubmitter.isPending(taskId)) {
      if (force) {
        throw new IllegalArgumentException(
            "force-cancelling an actor call would kill the actor; use Glint.kill instead");
      }
      actorSubmitter.cancel(taskId);
    } else if (!objects.owns(r.objectId) && !r.owner.getWorkerId().equals(settings.workerId())) {
      throw new GlintException(
          "Only the process that submitted a task can cancel it; " + r + " is owned elsewhere");
    }
  }

  @Override
  public void kill(ActorHandle<?> actor, boolean noRestart) {
    if (!(actor instanceof ActorHandleImpl<?> h)) {
      throw new IllegalArgumentException("Not an actor handle of this runtime: " + actor);
    }
    controlBlocking()
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .killActor(
            KillActorRequest.newBuilder()
                .setActorId(h.actorId)
                .setNoRestart(noRestart)
                .setForce(true)
                .build());
  }

  @Override
  public <A> Optional<ActorHandle<A>> getActor(String name, String ns) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("Actor name must not be empty");
    }
    GetNamedActorReply r =
        controlBlocking()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .getNamedActor(
                GetNamedActorRequest.newBuilder()
                    .setName(name)
                    .setNamespace(ns == null ? namespace : ns)
                    .build());
    if (!r.getFound()) {
      return Optional.empty();
    }
    return Optional.of(
        new ActorHandleImpl<>(
            r.getActor().getActorId(), r.getActor().getClassDescriptor().getModuleOrClass()));
  }

  @Override
  public Map<String, Double> clusterResources() {
    return fetchResources().total;
  }

  @Override
  public Map<String, Double> availableResources() {
    return fetchResources().available;
  }

  private record Resources(Map<String, Double> total, Map<String, Double> available) {}

  private Resources fetchResources() {
    GetClusterResourcesReply r =
        controlBlocking()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .getClusterResources(GetClusterResourcesRequest.getDefaultInstance());
    setClusterView(r.getNodesList());
    return new Resources(
        ResourceSet.fromProto(r.getTotal()).toMap(),
        ResourceSet.fromProto(r.getAvailable()).toMap());
  }

  @Override
  public RuntimeContext runtimeContext() {
    return new RuntimeContextImpl(this);
  }

  // ---------------------------------------------------------------- RefResolver

  @Override
  public ObjectReference toReference(ObjectRef<?> ref) {
    // The caller tracks the refs it writes (see Encoded.nestedRefs).
    ObjectRefImpl<?> r = checkRef(ref);
    materialize(r);
    return ObjectReference.newBuilder().setObjectId(r.objectId).setOwner(r.owner).build();
  }

  @Override
  public ObjectReference toForeignReference(ObjectRef<?> ref) {
    // Another language cannot say when it lets go: the object stays for the job's life.
    ObjectRefImpl<?> r = checkRef(ref);
    materialize(r);
    if (objects.owns(r.objectId)) {
      objects.markEscaped(r.objectId);
    } else {
      borrows.pin(r.objectId, r.owner);
    }
    return ObjectReference.newBuilder().setObjectId(r.objectId).setOwner(r.owner).build();
  }

  @Override
  public ObjectRef<?> fromReference(ObjectReference ref) {
    if (objects.owns(ref.getObjectId())) {
      return newOwnedRef(ref.getObjectId());
    }
    ByteString id = ref.getObjectId();
    borrows.acquire(id, ref.getOwner());
    ObjectRefImpl<?> r = new ObjectRefImpl<>(id, ref.getOwner(), this);
    BorrowTable table = borrows;
    cleaner.register(r, () -> table.release(id));
    return r;
  }

  @Override
  public void beginRead() {
    borrows.beginRead();
  }

  @Override
  public void endRead() {
    borrows.endRead();
  }

  /**
   * A ref used only to fetch a task argument's value: the submitter keeps the object alive for the
   * task, so this process does not borrow it.
   */
  ObjectRef<?> argumentRef(ObjectReference ref) {
    if (objects.owns(ref.getObjectId())) {
      return newOwnedRef(ref.getObjectId());
    }
    return new ObjectRefImpl<>(ref.getObjectId(), ref.getOwner(), this);
  }

  @Override
  public ByteString actorIdOf(ActorHandle<?> handle) {
    if (!(handle instanceof ActorHandleImpl<?> h)) {
      throw new IllegalArgumentException("Not an actor handle of this runtime: " + handle);
    }
    return h.actorId;
  }

  @Override
  public ActorHandle<?> actorFromId(ByteString actorId) {
    return new ActorHandleImpl<>(actorId, "Actor");
  }

  private <T> ObjectRefImpl<T> checkRef(ObjectRef<T> ref) {
    if (ref == null) {
      throw new NullPointerException("ref");
    }
    if (!(ref instanceof ObjectRefImpl<T> r)) {
      throw new IllegalArgumentException("Not an ObjectRef of this runtime: " + ref);
    }
    return r;
  }

  private void checkOpen() {
    if (shutdown) {
      throw new io.glint.api.exception.NotInitializedException("Glint was shut down");
    }
  }

  /** Whether this process owns objects others may still ask for (it must not be reaped). */
  boolean ownsObjects() {
    return objects.size() > 0;
  }

  @Override
  public void shutdown() {
    if (shutdown) {
      return;
    }
    normalSubmitter.shutdown();
    // Every ref this process borrows dies with it: tell the owners while channels are open.
    borrows.releaseAll();
    borrows.close();
    shutdown = true;
    actorSubmitter.shutdown();
    if (executor != null) {
      executor.shutdown();
    }
    for (Runnable r : new ArrayList<>(shutdownHooks)) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "shutdown step failed", e);
      }
    }
    scheduler.shutdownNow();
    Grpc.shutdown(server);
    channels.close();
    callbacks.shutdownNow();
    if (arrow != null) {
      arrow.close();
    }
    store.close();
  }
}
