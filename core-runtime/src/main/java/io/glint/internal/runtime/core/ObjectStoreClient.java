package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.api.exception.ObjectStoreFullException;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.CreateObjectReply;
import io.glint.internal.proto.CreateObjectRequest;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.FreeObjectsReply;
import io.glint.internal.proto.FreeObjectsRequest;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ObjectArg;
import io.glint.internal.proto.ObjectLocation;
import io.glint.internal.proto.ObjectStatus;
import io.glint.internal.proto.PinObjectsReply;
import io.glint.internal.proto.PinObjectsRequest;
import io.glint.internal.proto.PullObjectReply;
import io.glint.internal.proto.PullObjectRequest;
import io.glint.internal.proto.SealObjectRequest;
import io.glint.internal.proto.TaskArg;
import io.glint.internal.proto.TaskSpec;
import io.glint.internal.proto.ValueFormat;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.Rpc;
import io.glint.internal.runtime.serialization.BufferCodec;
import io.glint.internal.store.SharedMemoryStore;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.FieldVector;

/**
 * This process's access to its node's shared-memory object store: writing large objects (room
 * reserved by the node daemon, bytes written into the mapping, sealed), reading them in place
 * (pinned while read; zero-copy views hold their object until unreachable), pins for running tasks,
 * frees, and pacing the GC so that dropped objects free their memory before new memory is touched.
 */
final class ObjectStoreClient {
  private final CoreWorker worker;
  private final SharedMemoryStore store;
  private final ReadPins readPins;

  ObjectStoreClient(CoreWorker worker, SharedMemoryStore store) {
    this.worker = worker;
    this.store = store;
    this.readPins = new ReadPins(this::pin, this::unpin, worker::scheduler, ReadPins.LINGER_NANOS);
  }

  SharedMemoryStore store() {
    return store;
  }

  /**
   * Makes sure this node holds a copy of an object that lives on another node: its node daemon
   * pulls it from there (sharing a transfer already under way). Throws a typed ObjectLost failure
   * when no node can provide it.
   */
  void ensureLocal(ByteString objectId, ObjectLocation loc) {
    if (views.containsKey(objectId)) {
      return;
    }
    PullObjectReply r =
        NodeServiceGrpc.newBlockingStub(worker.channels().get(worker.settings().nodeAddress()))
            .withDeadlineAfter(30, TimeUnit.MINUTES)
            .pullObject(pullRequest(objectId, loc));
    if (!r.getError().isEmpty()) {
      throw Failures.toException(
          Failures.system(
              FailureKind.FAILURE_KIND_OBJECT_LOST,
              r.getLost() ? "ObjectLostError" : "ObjectTransferError",
              r.getError(),
              !r.getLost()),
          worker.loader());
    }
  }

  /** A pull of an object from the node that holds it. */
  PullObjectRequest pullRequest(ByteString objectId, ObjectLocation loc) {
    PullObjectRequest.Builder b = PullObjectRequest.newBuilder().setObjectId(objectId);
    Address source = worker.nodeAddress(loc.getNodeId());
    if (source == null) {
      worker.refreshClusterViewNow();
      source = worker.nodeAddress(loc.getNodeId());
    }
    if (source != null) {
      b.addSources(source);
    }
    return b.build();
  }

  /**
   * A task's arguments with every stored one on this node: those on other nodes are pulled here
   * (all at once) and their locations rewritten, so the task reads them in place like local ones.
   */
  TaskSpec localize(TaskSpec spec) {
    ByteString here = worker.settings().nodeId();
    List<CompletableFuture<PullObjectReply>> pulls = new ArrayList<>();
    List<ObjectArg> remote = new ArrayList<>();
    for (List<TaskArg> list : List.of(spec.getCapturedArgsList(), spec.getArgsList())) {
      for (TaskArg a : list) {
        if (a.hasObject()
            && a.getObject().hasLocation()
            && !a.getObject().getLocation().getNodeId().equals(here)) {
          remote.add(a.getObject());
        }
      }
    }
    if (remote.isEmpty()) {
      return spec;
    }
    var stub =
        NodeServiceGrpc.newStub(worker.channels().get(worker.settings().nodeAddress()))
            .withDeadlineAfter(30, TimeUnit.MINUTES);
    for (ObjectArg o : remote) {
      var f = new CompletableFuture<PullObjectReply>();
      stub.pullObject(
          pullRequest(o.getRef().getObjectId(), o.getLocation()).toBuilder()
              .setOwner(o.getRef().getOwner())
              .build(),
          new StreamObserver<>() {
            @Override
            public void onNext(PullObjectReply r) {
              f.complete(r);
            }

            @Override
            public void onError(Throwable t) {
              f.complete(PullObjectReply.newBuilder().setError(t.toString()).build());
            }

            @Override
            public void onCompleted() {}
          });
      pulls.add(f);
    }
    for (int i = 0; i < remote.size(); i++) {
      PullObjectReply r = pulls.get(i).join();
      if (!r.getError().isEmpty()) {
        throw Failures.toException(
            Failures.system(
                FailureKind.FAILURE_KIND_OBJECT_LOST,
                r.getLost() ? "ObjectLostError" : "ObjectTransferError",
                "argument "
                    + Ids.shortHex(remote.get(i).getRef().getObjectId())
                    + " of "
                    + spec.getName()
                    + ": "
                    + r.getError(),
                !r.getLost()),
            worker.loader());
      }
    }
    TaskSpec.Builder b = spec.toBuilder();
    for (int i = 0; i < b.getCapturedArgsCount(); i++) {
      b.setCapturedArgs(i, localArg(b.getCapturedArgs(i), here));
    }
    for (int i = 0; i < b.getArgsCount(); i++) {
      b.setArgs(i, localArg(b.getArgs(i), here));
    }
    return b.build();
  }

  private static TaskArg localArg(TaskArg a, ByteString here) {
    if (!a.hasObject() || !a.getObject().hasLocation()) {
      return a;
    }
    return a.toBuilder()
        .setObject(
            a.getObject().toBuilder()
                .setLocation(a.getObject().getLocation().toBuilder().setNodeId(here)))
        .build();
  }

  /** Whether this process holds views of stored objects (each keeps its object in memory). */
  boolean hasViews() {
    return !views.isEmpty();
  }

  /** This process no longer reads the object (it was freed). */
  void forget(ByteString objectId) {
    views.remove(objectId);
    readPins.forget(objectId);
  }

  /** Live mappings of stored objects handed out as views, so repeated gets share one. */
  private final ConcurrentHashMap<ByteString, WeakReference<MemorySegment>> views =
      new ConcurrentHashMap<>();

  /**
   * Reserves room with the node daemon, writes the object into the mapping, seals it. The node
   * records {@code owner} as the object's owner: the process that frees it, and whose death frees
   * it.
   */
  ObjectStatus storeLarge(ByteString objectId, ValueCodec.Encoded.Large value, Address owner) {
    if (store == null) {
      return RemoteObjects.store(worker, objectId, value, owner);
    }
    reclaimBeforeGrowing(value.sizeBytes());
    var node =
        NodeServiceGrpc.newBlockingStub(worker.channels().get(worker.settings().nodeAddress()))
            .withDeadlineAfter(10, TimeUnit.MINUTES);
    CreateObjectReply r =
        node.createObject(
            CreateObjectRequest.newBuilder()
                .setObjectId(objectId)
                .setSizeBytes(value.sizeBytes())
                .setOwner(owner)
                .setWriterWorkerId(worker.settings().workerId())
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
                .setNodeId(worker.settings().nodeId())
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
      worker.cleaner().register(new Object(), cleaned::countDown);
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
        worker.async(
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

  /** Frees a sealed object on its node. */
  void freeStored(ByteString objectId, ObjectLocation loc) {
    forget(objectId);
    if (worker.isShutdown()) {
      return;
    }
    Address node = worker.nodeAddress(loc.getNodeId());
    if (node == null) {
      return;
    }
    // The primary's node, and every other node: any of them may hold a copy it pulled.
    List<Address> targets = new ArrayList<>();
    targets.add(node);
    for (io.glint.internal.proto.NodeInfo n : worker.clusterView()) {
      if (n.getAlive() && !n.getNodeId().equals(loc.getNodeId())) {
        targets.add(n.getAddress());
      }
    }
    for (Address target : targets) {
      // Frees can be triggered inside a gRPC handler (a borrower's update): detach, or the call
      // is cancelled when that handler returns.
      freesInFlight.incrementAndGet();
      Rpc.detached(
          () ->
              worker
                  .nodeStub(target)
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
  }

  private final java.util.concurrent.atomic.AtomicInteger freesInFlight =
      new java.util.concurrent.atomic.AtomicInteger();

  Object readStored(ByteString objectId, ObjectLocation loc) {
    if (store == null) {
      return worker
          .codec()
          .decodeStored(loc.getFormat(), RemoteObjects.read(worker, this, objectId, loc));
    }
    if (!loc.getNodeId().equals(worker.settings().nodeId())) {
      // On another node: bring a copy here first (unless one is here already).
      ensureLocal(objectId, loc);
    }
    if (loc.getFormat() == ValueFormat.VALUE_FORMAT_ARROW) {
      Object table = HeldArrowReads.read(this, worker.codec().arrow(), objectId);
      if (table != null) {
        return table;
      }
    }
    // A live view of it in this process holds it already: read through that, no round trip.
    WeakReference<MemorySegment> cached = views.get(objectId);
    MemorySegment view = cached == null ? null : cached.get();
    if (view != null) {
      return worker.codec().decodeStored(loc.getFormat(), view);
    }
    // Held while it is read: its memory is not spilled or reused meanwhile (and a spilled
    // object is restored by the pin, which lingers for the next read).
    if (!readPins.acquire(objectId)) {
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
        return worker.codec().decodeStored(format, zeroCopy ? mappedView(objectId) : obj.payload());
      }
    } finally {
      readPins.release(objectId);
    }
  }

  RuntimeException objectLost(ByteString objectId) {
    return Failures.toException(
        Failures.system(
            FailureKind.FAILURE_KIND_OBJECT_LOST,
            "ObjectLostError",
            "object " + Ids.shortHex(objectId) + " is no longer in the node's store",
            false),
        worker.loader());
  }

  /**
   * A stored object's memory handed to user code as a read-only view. Gets of the same object in
   * this process share it. A view of the arena holds the object (a pin) until the view is
   * unreachable, so its bytes stay put even after every ref is gone; a view of an object's own file
   * keeps that mapping alive instead.
   */
  MemorySegment mappedView(ByteString objectId) {
    WeakReference<MemorySegment> cached = views.get(objectId);
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
      views.put(objectId, new WeakReference<>(seg));
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
        && a.getObject().getLocation().getNodeId().equals(worker.settings().nodeId())) {
      src = mappedView(a.getObject().getRef().getObjectId());
    } else {
      return null;
    }
    BufferCodec.Elements el = BufferCodec.elements(src);
    if (el.type().equals("byte") || el.type().equals("char")) {
      return null;
    }
    return worker.codec().arrow().vectorOver(el.type(), el.count(), el.data(), src);
  }

  /** Keeps objects of this node in memory (restoring spilled ones); returns the missing ids. */
  List<ByteString> pin(List<ByteString> ids) {
    if (ids.isEmpty() || store == null) {
      return List.of();
    }
    try {
      PinObjectsReply r =
          NodeServiceGrpc.newBlockingStub(worker.channels().get(worker.settings().nodeAddress()))
              .withDeadlineAfter(10, TimeUnit.MINUTES)
              .pinObjects(
                  PinObjectsRequest.newBuilder()
                      .setWorkerId(worker.settings().workerId())
                      .addAllObjectIds(ids)
                      .build());
      return r.getMissingList();
    } catch (StatusRuntimeException e) {
      throw new ObjectStoreFullException(
          "Cannot bring objects back into memory: " + e.getStatus().getDescription(), 0);
    }
  }

  void unpin(List<ByteString> ids) {
    if (!ids.isEmpty() && !worker.isShutdown() && store != null) {
      worker
          .nodeStub(worker.settings().nodeAddress())
          .unpinObjects(
              PinObjectsRequest.newBuilder()
                  .setWorkerId(worker.settings().workerId())
                  .addAllObjectIds(ids)
                  .build(),
              CoreWorker.ignore());
    }
  }
}
