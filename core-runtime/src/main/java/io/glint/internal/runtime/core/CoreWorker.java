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
import io.glint.api.internal.GlintRuntime;
import io.glint.internal.proto.ActorCreationSpec;
import io.glint.internal.proto.ActorTaskSpec;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.CreateActorReply;
import io.glint.internal.proto.CreateActorRequest;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.GetClusterResourcesRequest;
import io.glint.internal.proto.GetNamedActorReply;
import io.glint.internal.proto.GetNamedActorRequest;
import io.glint.internal.proto.GetObjectStoreStatsRequest;
import io.glint.internal.proto.KillActorRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ObjectReference;
import io.glint.internal.proto.ObjectStatus;
import io.glint.internal.proto.ReturnObject;
import io.glint.internal.proto.TaskArg;
import io.glint.internal.proto.TaskResult;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.proto.TaskType;
import io.glint.internal.proto.ValueFormat;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.serialization.RefResolver;
import io.glint.internal.runtime.serialization.Serializer;
import io.glint.internal.runtime.serialization.XlangCodec;
import io.glint.internal.store.SharedMemoryStore;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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
import java.util.function.Supplier;
import org.apache.arrow.vector.FieldVector;

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
  private final TaskStreams taskStreams;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService callbacks;
  private final SharedMemoryStore store;
  private final ObjectStoreClient storeClient;
  private final Serializer serializer;
  private final XlangCodec xlang = new XlangCodec(this);
  private final ValueCodec codec;
  private final FunctionResolver functions = new FunctionResolver();
  private final TaskShapes shapes = new TaskShapes();
  private final ReferenceCounter refCounter;
  private final ObjectResolver objectResolver = new ObjectResolver(this);
  private final PlacementGroupClient placementGroups = new PlacementGroupClient(this);
  private final ObjectTable objects;
  private final BorrowTable borrows;
  private final NormalTaskSubmitter normalSubmitter;
  private final ObjectRecovery recovery;
  private final ActorTaskSubmitter actorSubmitter;
  private final Cleaner cleaner = Cleaner.create();
  private final ConcurrentHashMap<ByteString, Address> nodeAddresses = new ConcurrentHashMap<>();
  private final BlockedNotices blockedNotices;

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
    this.taskStreams = new TaskStreams(settings.nodeId(), settings.token(), channels);
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
    // A driver on a machine with no node of the cluster maps no store (a remote driver).
    this.store = settings.storeDir() == null ? null : SharedMemoryStore.attach(settings.storeDir());
    this.storeClient = new ObjectStoreClient(this, store);
    this.blockedNotices =
        new BlockedNotices(settings.workerId(), () -> nodeStub(settings.nodeAddress()));
    this.serializer = new Serializer(this, this::loader);
    this.codec = new ValueCodec(serializer, xlang);
    this.refCounter = new ReferenceCounter(this);
    this.objects =
        new ObjectTable(
            (id, loc) -> storeClient.freeStored(id, loc),
            refCounter::releaseContained,
            Ids.hex(settings.workerId()));
    this.borrows = new BorrowTable(Ids.hex(settings.workerId()), refCounter::sendBorrowUpdates);
    scheduler.scheduleWithFixedDelay(
        refCounter::releaseBorrowsOfDeadWorkers,
        ReferenceCounter.DEAD_WORKER_POLL_MS,
        ReferenceCounter.DEAD_WORKER_POLL_MS,
        TimeUnit.MILLISECONDS);
    this.normalSubmitter = new NormalTaskSubmitter(this, settings.leaseIdleMs());
    this.recovery = new ObjectRecovery(this);
    onClusterView(() -> recovery.onClusterView(clusterView));
    this.actorSubmitter = new ActorTaskSubmitter(this);
    if (settings.mode() == Mode.WORKER) {
      this.executor = new TaskExecutor(this, new FunctionInvoker(settings.loader()));
    }
    this.taskEvents = new TaskEventRecorder(this);
  }

  /** Starts this process's own server (for borrowers and, in workers, for pushed tasks). */
  public void start() {
    WorkerServiceImpl service = new WorkerServiceImpl(this);
    server = Grpc.startServer(settings.host(), List.of(service), settings.token(), null);
    Address a =
        Address.newBuilder()
            .setNodeId(settings.nodeId())
            .setHost(settings.host())
            .setPort(server.getPort())
            .setWorkerId(settings.workerId())
            .build();
    address =
        executor == null || settings.storeDir() == null
            ? a
            : taskStreams.serve(a, settings.storeDir(), service::pushTasks, scheduler);
    nodeAddresses.put(settings.nodeId(), settings.nodeAddress());
    scheduler.scheduleWithFixedDelay(this::refreshClusterView, 0, 2, TimeUnit.SECONDS);
  }

  /** Whether the cluster view has {@code nodeId} as an alive node. */
  boolean isAliveNode(ByteString nodeId) {
    for (NodeInfo n : clusterView) {
      if (n.getNodeId().equals(nodeId)) {
        return n.getAlive();
      }
    }
    return false;
  }

  /** The node daemon to ask for leases on {@code nodeId}; this process's node when unknown. */
  Address leaseTarget(ByteString nodeId) {
    Address a = nodeAddresses.get(nodeId);
    return a != null && isAliveNode(nodeId) ? a : settings.nodeAddress();
  }

  @Override
  public io.glint.api.PlacementGroup createPlacementGroup(
      io.glint.api.PlacementGroupCreationOptions options) {
    checkOpen();
    return placementGroups.create(options);
  }

  @Override
  public void removePlacementGroup(io.glint.api.PlacementGroup group) {
    checkOpen();
    placementGroups.remove(group);
  }

  @Override
  public Optional<io.glint.api.PlacementGroup> getPlacementGroup(String name) {
    checkOpen();
    return placementGroups.get(name);
  }

  @Override
  public List<io.glint.api.PlacementGroups.TableEntry> placementGroupTable() {
    checkOpen();
    return placementGroups.table();
  }

  /** An object this process owns whose status comes later ({@link #completePendingObject}). */
  <T> ObjectRef<T> newPendingObject(ByteString id, Class<?> type) {
    objects.create(id);
    return newOwnedRef(id, type);
  }

  void completePendingObject(ByteString id, ObjectStatus status) {
    objects.complete(id, status);
  }

  ObjectStatus storeValue(ByteString objectId, Object value) {
    return storeValue(objectId, value, address);
  }

  @Override
  public List<io.glint.api.NodeInfo> nodes() {
    return ClusterInfo.nodes(fetchResources());
  }

  /** The nodes of the cluster as last fetched. */
  public List<NodeInfo> clusterView() {
    return clusterView;
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
        .withDeadlineAfter(10, TimeUnit.SECONDS)
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
    for (Runnable r : viewListeners) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "cluster view listener failed: " + e);
      }
    }
  }

  private final List<Runnable> viewListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Runs {@code r} after each refresh of the cluster view. */
  public void onClusterView(Runnable r) {
    viewListeners.add(r);
  }

  /** This process maps no store: its objects move over the network. */
  boolean isRemoteDriver() {
    return store == null;
  }

  // ---------------------------------------------------------------- accessors for collaborators

  Settings settings() {
    return settings;
  }

  public ChannelPool channels() {
    return channels;
  }

  TaskStreams taskStreams() {
    return taskStreams;
  }

  /** A shared channel to {@code address}. */
  public io.grpc.ManagedChannel channelTo(Address address) {
    return channels.get(address);
  }

  private TaskEventRecorder taskEvents;

  /** What this process ran, and its user metrics, for the dashboard. */
  TaskEventRecorder taskEvents() {
    return taskEvents;
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

  /**
   * Calls to the control service wait while it is unreachable (it may be restarting) until their
   * deadline, rather than failing at once; every caller sets a deadline.
   */
  ControlServiceGrpc.ControlServiceStub controlStub() {
    return ControlServiceGrpc.newStub(channels.get(settings.controlAddress())).withWaitForReady();
  }

  @Override
  public java.util.Optional<String> dashboardUrl() {
    return io.glint.internal.runtime.common.DashboardAddress.lookup(controlBlocking());
  }

  @Override
  public void requestResources(List<Map<String, Double>> bundles) {
    io.glint.internal.runtime.common.AutoscalerKeys.request(controlBlocking(), bundles);
  }

  ControlServiceGrpc.ControlServiceBlockingStub controlBlocking() {
    return ControlServiceGrpc.newBlockingStub(channels.get(settings.controlAddress()))
        .withWaitForReady();
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
    FunctionResolver.Resolved fn = functions.resolve(func);
    TaskExecutor.TaskContext parent = TaskExecutor.current();
    io.glint.internal.proto.SchedulingStrategy strategy =
        PlacementGroupClient.forChild(
            TaskShapes.strategy(options.schedulingStrategy()),
            TaskExecutor.callerPlacement(executor()));
    ResourceSet resources =
        placementGroups.resourcesFor(strategy, shapes.taskResources(options.resources()));
    ByteString taskId = Ids.random();
    ByteString returnId = Ids.objectId(taskId, 1);
    String name = options.name().orElse(fn.displayName());
    TaskArgs ab = TaskArgs.build(this, fn.captured(), args, fn.crossLanguage());
    ObjectTable.Entry entry = objects.create(returnId);
    ObjectRef<R> ref = newOwnedRef(returnId, fn.resultType());
    NormalTaskSubmitter.PendingTask pending =
        normalSubmitter.newTask(
            taskId,
            name,
            resources,
            List.of(returnId),
            ab.refList(),
            options.maxRetries(),
            strategy);
    entry.producer = pending;
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setSubmitMicros(TaskEventRecorder.nowMicros())
            .setTaskId(taskId)
            .setJobId(jobId)
            .setType(TaskType.TASK_TYPE_NORMAL_TASK)
            .setFunction(fn.descriptor())
            .setNumReturns(1)
            .setRequiredResources(resources.toProto())
            .setCallerAddress(address)
            .setMaxRetries(options.maxRetries())
            .setRetryExceptions(options.retryExceptions())
            .setNameBytes(shapes.name(name))
            .setSchedulingStrategy(strategy)
            .setDepth(parent == null ? 0 : parent.depth() + 1);
    if (parent != null) {
      spec.setParentTaskId(parent.taskId());
    }
    ab.whenResolved(
        () -> normalSubmitter.submit(pending, ab.fill(spec).build()),
        f -> normalSubmitter.failBeforeSubmit(pending, f));
    return ref;
  }

  @Override
  public <A> ActorHandle<A> createActor(Object func, Object[] args, ActorOptions options) {
    checkOpen();
    FunctionResolver.Resolved fn = functions.resolve(func);
    ByteString actorId = Ids.random();
    ByteString taskId = Ids.random();
    io.glint.internal.proto.SchedulingStrategy actorStrategy =
        TaskShapes.strategy(options.schedulingStrategy());
    TaskArgs ab = TaskArgs.build(this, fn.captured(), args, fn.crossLanguage());
    try {
      ab.awaitResolved();
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
            .setDetached(options.lifetime() == io.glint.api.ActorLifetime.DETACHED)
            .addAllJvmOptions(options.jvmOptions());
    options.name().ifPresent(creation::setName);
    creation.setNamespace(options.namespace().orElse(namespace));
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setSubmitMicros(TaskEventRecorder.nowMicros())
            .setTaskId(taskId)
            .setJobId(jobId)
            .setType(TaskType.TASK_TYPE_ACTOR_CREATION_TASK)
            .setFunction(fn.descriptor())
            .setNumReturns(0)
            .setRequiredResources(
                placementGroups
                    .resourcesFor(actorStrategy, ResourceSet.of(options.resources()))
                    .toProto())
            .setPlacementResources(
                placementGroups
                    .resourcesFor(actorStrategy, shapes.taskResources(options.resources()))
                    .toProto())
            .setSchedulingStrategy(actorStrategy)
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
    FunctionResolver.Resolved fn = functions.resolve(func);
    ByteString taskId = Ids.random();
    ByteString returnId = Ids.objectId(taskId, 1);
    String display = name != null ? name : fn.displayName();
    TaskArgs ab = TaskArgs.build(this, fn.captured(), args, fn.crossLanguage());
    objects.create(returnId);
    ObjectRef<R> ref = newOwnedRef(returnId, fn.resultType());
    ActorTaskSubmitter.PendingCall call =
        new ActorTaskSubmitter.PendingCall(
            taskId, h.actorId, display, List.of(returnId), ab.argRefs);
    actorSubmitter.register(call);
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setSubmitMicros(TaskEventRecorder.nowMicros())
            .setTaskId(taskId)
            .setJobId(jobId)
            .setType(TaskType.TASK_TYPE_ACTOR_TASK)
            .setFunction(fn.descriptor())
            .setNumReturns(1)
            .setCallerAddress(address)
            .setName(display)
            .setActorTask(
                ActorTaskSpec.newBuilder().setActorId(h.actorId).setCallerId(settings.workerId()));
    ab.whenResolved(
        () -> actorSubmitter.ready(call, ab.fill(spec).build()),
        f -> actorSubmitter.failed(call, f));
    return ref;
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
    refCounter.registerContained(id, stored.nested());
    objects.complete(id, stored.status(), stored.nested());
    return newOwnedRef(id);
  }

  /** Stores already-encoded bytes as the object {@code objectId}, owned by {@code owner}. */
  ObjectStatus storeEncoded(ByteString objectId, ValueCodec.Encoded enc, Address owner) {
    if (enc instanceof ValueCodec.Encoded.Inline inline) {
      return ObjectStatus.newBuilder().setValue(inline.value()).build();
    }
    return storeClient.storeLarge(objectId, (ValueCodec.Encoded.Large) enc, owner);
  }

  XlangCodec xlang() {
    return xlang;
  }

  ValueCodec codec() {
    return codec;
  }

  ObjectStoreClient objectStore() {
    return storeClient;
  }

  Cleaner cleaner() {
    return cleaner;
  }

  /** The address of a node of the cluster, null when unknown. */
  Address nodeAddress(ByteString nodeId) {
    return nodeAddresses.get(nodeId);
  }

  /** A program name resolved against PATH, as workers will run it. */
  public static Path pythonOnPath(String name) {
    return PythonRuntime.onPath(name);
  }

  /** Stores a value from another language, keeping it in the XLANG format. */
  <T> ObjectRef<T> putXlang(Object value) {
    checkOpen();
    ByteString id = Ids.objectId(Ids.random(), Ids.PUT_INDEX);
    ValueCodec.Encoded enc = codec.encodeXlang(value);
    ObjectStatus status = storeEncoded(id, enc, address);
    objects.create(id);
    // The stored value keeps the refs inside it alive, as a Java put's does.
    refCounter.registerContained(id, enc.nestedRefs());
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
      if (storeClient.pin(List.of(id)).isEmpty()) {
        try (SharedMemoryStore.ReadableObject o = store.get(id.toByteArray()).orElse(null)) {
          if (o != null) {
            raw = o.payload().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
          }
        } finally {
          storeClient.unpin(List.of(id));
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
    ValueCodec.Encoded enc = codec.encode(value);
    if (enc instanceof ValueCodec.Encoded.Inline inline) {
      return new Stored(
          ObjectStatus.newBuilder().setValue(inline.value()).build(), enc.nestedRefs());
    }
    return new Stored(
        storeClient.storeLarge(objectId, (ValueCodec.Encoded.Large) enc, owner), enc.nestedRefs());
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
    refCounter.registerContained(objectId, callerWorkerId, stored.nested());
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
  void materialize(ObjectRefImpl<?> r) {
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
      r.cleanable = cleaner.register(r, () -> table.removeLocalRef(id));
      r.materialized = true;
    }
  }

  private <T> ObjectRef<T> newOwnedRef(ByteString id, Class<?> resultType) {
    objects.addLocalRef(id);
    ObjectRefImpl<T> ref = new ObjectRefImpl<>(id, address, this, resultType);
    ObjectTable table = objects;
    ref.cleanable = cleaner.register(ref, () -> table.removeLocalRef(id));
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

  CompletableFuture<ObjectStatus> statusFuture(ObjectRefImpl<?> r) {
    return objectResolver.statusFuture(r);
  }

  ObjectResolver objectResolver() {
    return objectResolver;
  }

  ReferenceCounter refCounter() {
    return refCounter;
  }

  ObjectTable objects() {
    return objects;
  }

  NormalTaskSubmitter normalSubmitter() {
    return normalSubmitter;
  }

  ObjectRecovery recovery() {
    return recovery;
  }

  BorrowTable borrows() {
    return borrows;
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

  /** The value of an object status: deserialized, read from the store, or thrown. */
  Object readStatus(ByteString objectId, ObjectStatus s) {
    switch (s.getStateCase()) {
      case VALUE:
        return codec.decodeInline(s.getValue());
      case LOCATION:
        return storeClient.readStored(objectId, s.getLocation());
      case FAILURE:
        throw Failures.toException(s.getFailure(), loader());
      default:
        throw new IllegalStateException("object " + Ids.shortHex(objectId) + " has no state");
    }
  }

  /**
   * As {@link ObjectStoreClient#numericVector(TaskArg)}, for an object this process reads by ref.
   */
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
    return storeClient.numericVector(a.build());
  }

  /** The value format of an object, once it is ready; null when it failed. */
  ValueFormat storedFormat(ObjectRef<?> ref, long timeoutMs) {
    ObjectStatus s = awaitStatus(checkRef(ref), timeoutMs);
    return s.hasValue()
        ? s.getValue().getFormat()
        : s.hasLocation() ? s.getLocation().getFormat() : null;
  }

  /** The Java value of a task argument (any format). */
  Object argValue(TaskArg a) {
    if (a.hasValue()) {
      return readStatus(ByteString.EMPTY, ObjectStatus.newBuilder().setValue(a.getValue()).build());
    }
    var obj = a.getObject();
    if (obj.hasLocation()) {
      return storeClient.readStored(obj.getRef().getObjectId(), obj.getLocation());
    }
    return get((ObjectRef<?>) argumentRef(obj.getRef()), -1);
  }

  @Override
  public List<ObjectStoreStats> objectStoreStats() {
    fetchResources();
    List<ObjectStoreStats> out = new ArrayList<>();
    for (NodeInfo n : clusterView) {
      if (!n.getAlive()) {
        continue;
      }
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
      java.util.Map<String, ObjectStoreStats.PeerTransfer> peers = new java.util.LinkedHashMap<>();
      for (var p : s.getPeersList()) {
        peers.put(
            p.getNodeId().isValidUtf8() && p.getNodeId().toStringUtf8().equals("driver")
                ? "driver"
                : Ids.hex(p.getNodeId()),
            new ObjectStoreStats.PeerTransfer(p.getBytesSent(), p.getBytesReceived()));
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
              objs,
              s.getBytesSentTotal(),
              s.getBytesReceivedTotal(),
              peers));
    }
    return out;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(ObjectRef<T> ref, long timeoutMs) {
    ObjectRefImpl<T> r = checkRef(ref);
    ObjectStatus s = awaitStatus(r, timeoutMs);
    return (T) XlangCodec.convert(readRecovering(r, s, timeoutMs), r.resultType);
  }

  /**
   * Reads an object; when it is ours and its copy turns out to be lost with its node, waits for it
   * to be rebuilt (or for the typed failure saying why it cannot be) and reads that.
   */
  private Object readRecovering(ObjectRefImpl<?> r, ObjectStatus s, long timeoutMs) {
    for (int attempt = 0; ; attempt++) {
      try {
        return readStatus(r.objectId, s);
      } catch (io.glint.api.exception.ObjectLostFailure lost) {
        ObjectTable.Entry e = objects.get(r.objectId);
        if (e == null || attempt >= 3 || !recovery.lostCopy(s)) {
          throw lost;
        }
        CompletableFuture<ObjectStatus> f = e.status();
        if (f.getNow(null) == s) {
          f =
              recovery.recover(
                  e, f, "its node " + Ids.shortHex(s.getLocation().getNodeId()) + " died");
        }
        s = await(f, timeoutMs, () -> timeoutMessage(r, timeoutMs));
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> List<T> get(List<? extends ObjectRef<? extends T>> refs, long timeoutMs) {
    long deadline = timeoutMs < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMs * 1_000_000;
    List<CompletableFuture<ObjectStatus>> futures = new ArrayList<>(refs.size());
    for (ObjectRef<? extends T> ref : refs) {
      futures.add(objectResolver.statusFuture(checkRef(ref)));
    }
    List<T> out = new ArrayList<>(refs.size());
    for (int i = 0; i < refs.size(); i++) {
      ObjectRefImpl<?> r = (ObjectRefImpl<?>) refs.get(i);
      long left = timeoutMs < 0 ? -1 : Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
      ObjectStatus s = await(futures.get(i), left, () -> timeoutMessage(r, timeoutMs));
      out.add((T) XlangCodec.convert(readRecovering(r, s, left), r.resultType));
    }
    return out;
  }

  @Override
  public <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, long timeoutMs) {
    List<CompletableFuture<ObjectStatus>> futures = new ArrayList<>(refs.size());
    for (ObjectRef<T> ref : refs) {
      futures.add(objectResolver.statusFuture(checkRef(ref)));
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
    boolean blocked;
    synchronized (lock) {
      blocked = done[0] < numReturns && timeoutMs != 0;
    }
    try {
      if (blocked) {
        enterBlocked(); // a call to the node: never under the lock completions take
      }
      synchronized (lock) {
        long left;
        while (done[0] < numReturns && (left = deadline - System.nanoTime()) > 0) {
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
    objectResolver
        .statusFuture(r)
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
    return await(objectResolver.statusFuture(r), timeoutMs, () -> timeoutMessage(r, timeoutMs));
  }

  <T> T await(CompletableFuture<T> f, long timeoutMs, Supplier<String> timeoutMessage) {
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
    if (releasesCpuWhenBlocked()) {
      blockedNotices.enter();
    }
  }

  private void exitBlocked() {
    if (releasesCpuWhenBlocked()) {
      blockedNotices.exit();
    }
  }

  private boolean releasesCpuWhenBlocked() {
    return settings.mode() == Mode.WORKER
        && TaskExecutor.current() != null
        && TaskExecutor.current().releasesCpuWhenBlocked();
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

  /**
   * Null when some node can hold {@code r}; else why not, as a sentence that compares it with the
   * largest node (an autoscaler or a joining node may still satisfy it, so it is not an error).
   */
  String infeasibility(ResourceSet r) {
    List<NodeInfo> nodes = clusterView;
    if (nodes.isEmpty()) {
      return null;
    }
    ResourceSet largest = null;
    nodes = nodes.stream().filter(NodeInfo::getAlive).toList();
    if (nodes.isEmpty()) {
      return null;
    }
    for (NodeInfo n : nodes) {
      ResourceSet t = ResourceSet.fromProto(n.getTotal());
      if (r.fitsIn(t)) {
        return null;
      }
      if (largest == null || t.get(ResourceSet.CPU) > largest.get(ResourceSet.CPU)) {
        largest = t;
      }
    }
    return "no node of the cluster has "
        + r.describe()
        + " (the largest has "
        + largest.describe()
        + "; "
        + nodes.size()
        + (nodes.size() == 1 ? " node" : " nodes")
        + " in all)";
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
    if (noRestart) {
      // This caller's later calls fail at once, not only once the death reaches it.
      actorSubmitter.markDead(
          h.actorId,
          Failures.system(
              io.glint.internal.proto.FailureKind.FAILURE_KIND_ACTOR_DIED,
              "ActorDiedError",
              "the actor was killed by Glint.kill",
              false));
    }
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
    return ResourceSet.fromProto(fetchResources().getTotal()).toMap();
  }

  @Override
  public Map<String, Double> availableResources() {
    return ResourceSet.fromProto(fetchResources().getAvailable()).toMap();
  }

  private GetClusterResourcesReply fetchResources() {
    GetClusterResourcesReply r =
        controlBlocking()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .getClusterResources(GetClusterResourcesRequest.getDefaultInstance());
    setClusterView(r.getNodesList());
    return r;
  }

  @Override
  public RuntimeContext runtimeContext() {
    return new RuntimeContextImpl(this);
  }

  // ---------------------------------------------------------------- RefResolver

  @Override
  public ObjectReference toReference(ObjectRef<?> ref) {
    // The caller tracks the refs it writes (see ValueCodec.Encoded.nestedRefs).
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
    r.cleanable = cleaner.register(r, () -> table.release(id));
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

  <T> ObjectRefImpl<T> checkRef(ObjectRef<T> ref) {
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
    taskStreams.close();
    channels.close();
    callbacks.shutdownNow();
    codec.close();
    if (store != null) {
      store.close();
    }
  }
}
