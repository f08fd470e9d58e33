package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.CreateObjectReply;
import io.glint.internal.proto.CreateObjectRequest;
import io.glint.internal.proto.ObjectStoreStats;
import io.glint.internal.proto.StoredObjectInfo;
import io.glint.internal.store.ByteSizes;
import io.glint.internal.store.ObjectStoreManager;
import io.glint.internal.store.SharedMemoryStore;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's side of its shared-memory object store: room for new objects (creates wait while the
 * store is full and nothing can be spilled), sealing, the pins of running tasks and readers, frees,
 * and what the death of a process means for the objects it wrote, read or owned.
 *
 * <p>It has its own lock, apart from lease scheduling: spilling and restoring copy whole objects to
 * and from disk under it, and worker leases are granted meanwhile.
 *
 * <p>Ownership: an object belongs to the process recorded as its owner at create time (a task's
 * result belongs to the task's caller, not to the worker that wrote it). It stays until its owner
 * frees it or dies; the writer's death only matters while the object is still being written.
 */
final class NodeObjectStore implements AutoCloseable {
  private static final long DEFAULT_CREATE_TIMEOUT_MS = 60_000;

  /** A create waiting for room. */
  private record PendingCreate(
      CreateObjectRequest request, StreamObserver<CreateObjectReply> reply, long deadlineNanos) {}

  private final SharedMemoryStore store;
  private final ObjectStoreManager objects;
  private final ScheduledExecutorService timer;

  // Guarded by this.
  private final List<PendingCreate> pendingCreates = new ArrayList<>();
  private final Map<ByteString, List<ByteString>> pinsByWorker = new HashMap<>();
  private final Map<ByteString, ByteString> creatingBy = new HashMap<>();

  NodeObjectStore(
      Path storeDir, Path spillDir, long capacityBytes, ScheduledExecutorService timer) {
    this.store = SharedMemoryStore.createOwned(storeDir);
    this.objects =
        new ObjectStoreManager(
            new ObjectStoreManager.Options(store.directory(), spillDir, capacityBytes));
    this.timer = timer;
  }

  Path directory() {
    return store.directory();
  }

  SharedMemoryStore store() {
    return store;
  }

  synchronized void createObject(CreateObjectRequest req, StreamObserver<CreateObjectReply> reply) {
    long timeout = req.getTimeoutMs() > 0 ? req.getTimeoutMs() : DEFAULT_CREATE_TIMEOUT_MS;
    PendingCreate p = new PendingCreate(req, reply, System.nanoTime() + timeout * 1_000_000);
    if (!tryCreate(p)) {
      pendingCreates.add(p);
      timer.schedule(this::expireCreates, timeout, TimeUnit.MILLISECONDS);
    }
  }

  /** Holds the lock. Returns false when the create must wait. */
  private boolean tryCreate(PendingCreate p) {
    CreateObjectReply.Builder r = CreateObjectReply.newBuilder();
    try {
      ObjectStoreManager.CreateResult res =
          objects.tryCreate(
              p.request().getObjectId().toByteArray(),
              p.request().getSizeBytes(),
              p.request().getOwner().toByteArray());
      switch (res) {
        case ObjectStoreManager.CreateResult.Ready ready -> {
          r.setPath(ready.path().toString());
          if (ready.arenaOffset() >= 0) {
            r.setArenaOffset(ready.arenaOffset());
          }
          creatingBy.put(p.request().getObjectId(), p.request().getWriterWorkerId());
        }
        case ObjectStoreManager.CreateResult.TooLarge t -> r.setError(t.why()).setTooLarge(true);
        case ObjectStoreManager.CreateResult.Wait w -> {
          return false;
        }
      }
    } catch (RuntimeException e) {
      r.setError("cannot create object: " + e.getMessage());
    }
    r.setUsedFraction((double) objects.usedBytes() / Math.max(1, objects.capacityBytes()))
        .setCapacityBytes(objects.capacityBytes())
        .setReusableBytes(objects.recycledBytes());
    reply(p.reply(), r.build());
    return true;
  }

  /** Holds the lock: room may have come. */
  private void retryCreates() {
    Iterator<PendingCreate> it = pendingCreates.iterator();
    while (it.hasNext()) {
      if (tryCreate(it.next())) {
        it.remove();
      } else {
        return; // keep creates in order
      }
    }
  }

  private synchronized void expireCreates() {
    long now = System.nanoTime();
    Iterator<PendingCreate> it = pendingCreates.iterator();
    while (it.hasNext()) {
      PendingCreate p = it.next();
      if (now >= p.deadlineNanos()) {
        it.remove();
        reply(
            p.reply(),
            CreateObjectReply.newBuilder()
                .setError(
                    "the object store stayed full for the whole wait: "
                        + ByteSizes.format(p.request().getSizeBytes())
                        + " wanted, "
                        + ByteSizes.format(objects.usedBytes())
                        + " of "
                        + ByteSizes.format(objects.capacityBytes())
                        + " in use by objects that running tasks hold or that are being written")
                .build());
      }
    }
  }

  private static <T> void reply(StreamObserver<T> obs, T value) {
    try {
      obs.onNext(value);
      obs.onCompleted();
    } catch (RuntimeException ignored) {
      // the caller went away
    }
  }

  /**
   * Reserves room for an object this node writes itself (a pulled copy, a driver's streamed put),
   * waiting up to {@code timeoutMs} for room. The reply's error is set when there is none.
   */
  CreateObjectReply reserve(
      ByteString objectId, long size, Address owner, ByteString writer, long timeoutMs) {
    java.util.concurrent.CompletableFuture<CreateObjectReply> f =
        new java.util.concurrent.CompletableFuture<>();
    createObject(
        CreateObjectRequest.newBuilder()
            .setObjectId(objectId)
            .setSizeBytes(size)
            .setOwner(owner)
            .setWriterWorkerId(writer)
            .setTimeoutMs(timeoutMs)
            .build(),
        new StreamObserver<>() {
          @Override
          public void onNext(CreateObjectReply r) {
            f.complete(r);
          }

          @Override
          public void onError(Throwable t) {
            f.complete(CreateObjectReply.newBuilder().setError(t.toString()).build());
          }

          @Override
          public void onCompleted() {}
        });
    return f.join();
  }

  /** Whether a sealed (or spilled) copy of the object is on this node. */
  synchronized boolean contains(ByteString objectId) {
    return objects.contains(objectId.toByteArray());
  }

  /** The object is a copy of another node's: dropped, not spilled, under pressure. */
  synchronized void markSecondary(ByteString objectId) {
    objects.markSecondary(objectId.toByteArray());
  }

  synchronized long usedBytes() {
    return objects.usedBytes();
  }

  synchronized void seal(ByteString objectId) {
    objects.seal(objectId.toByteArray());
    creatingBy.remove(objectId);
  }

  /** Keeps objects in memory for {@code workerId} (restoring spilled ones); the missing ids. */
  synchronized List<ByteString> pin(ByteString workerId, List<ByteString> ids) {
    List<byte[]> raw = ids.stream().map(ByteString::toByteArray).toList();
    List<ByteString> missing = objects.pin(raw).stream().map(ByteString::copyFrom).toList();
    List<ByteString> held = pinsByWorker.computeIfAbsent(workerId, k -> new ArrayList<>());
    for (ByteString id : ids) {
      if (!missing.contains(id)) {
        held.add(id);
      }
    }
    return missing;
  }

  synchronized void unpin(ByteString workerId, List<ByteString> ids) {
    objects.unpin(ids.stream().map(ByteString::toByteArray).toList());
    List<ByteString> held = pinsByWorker.get(workerId);
    if (held != null) {
      ids.forEach(held::remove);
    }
    retryCreates();
  }

  synchronized void free(List<ByteString> ids) {
    for (ByteString id : ids) {
      objects.delete(id.toByteArray());
      creatingBy.remove(id);
    }
    retryCreates();
  }

  /**
   * A process is gone: its pins end, objects it was still writing are dropped, and so are the
   * objects it owned (nobody can free or ask for them any more). Objects it wrote for another owner
   * stay.
   */
  synchronized void releaseObjectsOf(ByteString workerId) {
    List<ByteString> held = pinsByWorker.remove(workerId);
    if (held != null) {
      objects.unpin(held.stream().map(ByteString::toByteArray).toList());
    }
    Iterator<Map.Entry<ByteString, ByteString>> it = creatingBy.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<ByteString, ByteString> e = it.next();
      if (e.getValue().equals(workerId)) {
        objects.delete(e.getKey().toByteArray());
        it.remove();
      }
    }
    for (ObjectStoreManager.Entry en : objects.entries()) {
      try {
        Address owner = Address.parseFrom(en.owner());
        if (owner.getWorkerId().equals(workerId)) {
          objects.delete(HexFormat.of().parseHex(en.name()));
        }
      } catch (InvalidProtocolBufferException ignored) {
        // not an address: leave it
      }
    }
    retryCreates();
  }

  synchronized ObjectStoreStats stats(ByteString nodeId, boolean includeObjects) {
    ObjectStoreStats.Builder b =
        ObjectStoreStats.newBuilder()
            .setNodeId(nodeId)
            .setCapacityBytes(objects.capacityBytes())
            .setUsedBytes(objects.usedBytes())
            .setPeakUsedBytes(objects.peakUsedBytes())
            .setObjectCount(objects.objectCount())
            .setSpilledObjects(objects.spilledObjects())
            .setSpilledBytesTotal(objects.spilledBytesTotal())
            .setRestoredBytesTotal(objects.restoredBytesTotal())
            .setEvictionsTotal(objects.evictionsTotal())
            .setObjectsCreatedTotal(objects.createdTotal())
            .setRecycledBytes(objects.recycledBytes());
    if (includeObjects) {
      for (ObjectStoreManager.Entry en : objects.entries()) {
        StoredObjectInfo.Builder o =
            StoredObjectInfo.newBuilder()
                .setObjectId(ByteString.copyFrom(HexFormat.of().parseHex(en.name())))
                .setSizeBytes(en.sizeBytes())
                .setPinned(en.pinned())
                .setSpilled(en.state() == ObjectStoreManager.State.SPILLED)
                .setSealed(en.state() != ObjectStoreManager.State.CREATING);
        try {
          o.setOwner(Address.parseFrom(en.owner()));
        } catch (InvalidProtocolBufferException ignored) {
          // unknown owner
        }
        b.addObjects(o);
      }
    }
    return b.build();
  }

  /** Refuses waiting creates and deletes the store. */
  @Override
  public void close() {
    synchronized (this) {
      for (PendingCreate p : pendingCreates) {
        reply(p.reply(), CreateObjectReply.newBuilder().setError("node is shutting down").build());
      }
      pendingCreates.clear();
      objects.close();
    }
    store.close();
  }
}
