package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.CreateObjectReply;
import io.glint.internal.proto.CreateObjectRequest;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ObjectChunk;
import io.glint.internal.proto.PeerTransfer;
import io.glint.internal.proto.PullObjectReply;
import io.glint.internal.proto.PullObjectRequest;
import io.glint.internal.proto.ReadObjectRequest;
import io.glint.internal.proto.WriteObjectReply;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.store.SharedMemoryStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.lang.foreign.MemorySegment;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves objects between nodes, Ray's object manager in small: a node pulls an object another node
 * holds straight into its own store, in chunks over a server-streaming RPC (gRPC's flow control
 * keeps at most a few chunks in flight; no object is ever held whole on the heap); concurrent pulls
 * of one object share one transfer; a pull tries each node known to hold a copy in turn. The copy
 * is secondary: dropped rather than spilled under memory pressure, since it can be pulled again.
 * Drivers with no node of their own read and write objects through the same streams.
 *
 * <p>Bytes sent to and received from each peer node are counted (node stats, {@code glint status}).
 */
final class ObjectTransfer {
  private static final System.Logger LOG = System.getLogger(ObjectTransfer.class.getName());

  /** Bytes per chunk: large enough to amortize per-message costs, small enough to interleave. */
  static final int CHUNK_BYTES = 4 << 20;

  private final ByteString nodeId;
  private final NodeObjectStore objects;
  private final ChannelPool channels;
  private final Executor pullExecutor;

  private final ConcurrentHashMap<ByteString, CompletableFuture<PullObjectReply>> inFlight =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ByteString, AtomicLong[]> peers = new ConcurrentHashMap<>();
  private final AtomicLong sentTotal = new AtomicLong();
  private final AtomicLong receivedTotal = new AtomicLong();
  private final AtomicLong pullsTotal = new AtomicLong();
  private final AtomicLong pullsDeduplicated = new AtomicLong();

  ObjectTransfer(
      ByteString nodeId, NodeObjectStore objects, ChannelPool channels, Executor pullExecutor) {
    this.nodeId = nodeId;
    this.objects = objects;
    this.channels = channels;
    this.pullExecutor = pullExecutor;
  }

  // ------------------------------------------------------------------ serving

  /** Streams a stored object in chunks, as fast as the reader takes them. */
  void read(ReadObjectRequest req, StreamObserver<ObjectChunk> obs) {
    ByteString id = req.getObjectId();
    ByteString holder = ByteString.copyFromUtf8("transfer-" + Ids.shortHex(Ids.random()));
    if (!objects.pin(holder, List.of(id)).isEmpty()) {
      obs.onError(
          Status.NOT_FOUND
              .withDescription(
                  "object " + Ids.shortHex(id) + " is not on node " + Ids.shortHex(nodeId))
              .asRuntimeException());
      return;
    }
    SharedMemoryStore.ReadableObject o = objects.store().get(id.toByteArray()).orElse(null);
    if (o == null) {
      objects.unpin(holder, List.of(id));
      obs.onError(
          Status.NOT_FOUND
              .withDescription("object " + Ids.shortHex(id) + " vanished from the store")
              .asRuntimeException());
      return;
    }
    new Sender(req.getReaderNodeId(), id, holder, o, (ServerCallStreamObserver<ObjectChunk>) obs)
        .start();
  }

  /** One object going out: sends while the stream is ready, resumes when it is again. */
  private final class Sender {
    private final ByteString reader;
    private final ByteString id;
    private final ByteString holder;
    private final SharedMemoryStore.ReadableObject object;
    private final ServerCallStreamObserver<ObjectChunk> out;
    private final MemorySegment payload;
    private long offset;
    private boolean done;
    private boolean released;

    Sender(
        ByteString reader,
        ByteString id,
        ByteString holder,
        SharedMemoryStore.ReadableObject object,
        ServerCallStreamObserver<ObjectChunk> out) {
      this.reader = reader;
      this.id = id;
      this.holder = holder;
      this.object = object;
      this.out = out;
      this.payload = object.payload();
    }

    void start() {
      out.setOnCancelHandler(this::finish);
      // The chunks point into the store (no copy): the object stays pinned until gRPC has sent
      // the last of them, which is when the call closes.
      out.setOnCloseHandler(this::finish);
      out.setOnReadyHandler(this::pump);
      pump();
    }

    private synchronized void pump() {
      long size = payload.byteSize();
      while (!done && out.isReady() && (offset < size || offset == 0)) {
        int n = (int) Math.min(CHUNK_BYTES, size - offset);
        // No copy: the chunk wraps the store's memory, which stays pinned until the call closes.
        ObjectChunk.Builder c =
            ObjectChunk.newBuilder()
                .setOffset(offset)
                .setData(
                    com.google.protobuf.UnsafeByteOperations.unsafeWrap(
                        payload.asSlice(offset, n).asByteBuffer()));
        if (offset == 0) {
          c.setObjectId(id).setTotalSize(size).setFormat(object.format());
        }
        out.onNext(c.build());
        offset += n;
        count(reader, n, 0);
        sentTotal.addAndGet(n);
        if (offset >= size) {
          done = true;
          out.onCompleted();
        }
      }
    }

    private void finish() {
      synchronized (this) {
        done = true;
        if (released) {
          return;
        }
        released = true;
      }
      object.close();
      objects.unpin(holder, List.of(id));
    }
  }

  // ------------------------------------------------------------------ pulling

  /**
   * Brings an object into this node's store from the first source that has it. Completes once the
   * local copy is sealed (at once when it is here already); never fails exceptionally.
   */
  CompletableFuture<PullObjectReply> pull(PullObjectRequest req) {
    ByteString id = req.getObjectId();
    if (objects.contains(id)) {
      return CompletableFuture.completedFuture(PullObjectReply.getDefaultInstance());
    }
    boolean[] mine = {false};
    CompletableFuture<PullObjectReply> f =
        inFlight.computeIfAbsent(
            id,
            k -> {
              mine[0] = true;
              return new CompletableFuture<>();
            });
    if (!mine[0]) {
      pullsDeduplicated.incrementAndGet();
      return f;
    }
    pullsTotal.incrementAndGet();
    pullExecutor.execute(
        () -> {
          PullObjectReply r;
          try {
            r = pullFromSources(req);
          } catch (RuntimeException e) {
            r = PullObjectReply.newBuilder().setError("pull failed: " + e).build();
          }
          inFlight.remove(id, f);
          f.complete(r);
        });
    return f;
  }

  private PullObjectReply pullFromSources(PullObjectRequest req) {
    ByteString id = req.getObjectId();
    StringBuilder why = new StringBuilder();
    boolean allLost = true;
    for (Address source : req.getSourcesList()) {
      if (source.getNodeId().equals(nodeId)) {
        continue;
      }
      try {
        pullFrom(source, id, req.getOwner());
        return PullObjectReply.getDefaultInstance();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          allLost = false;
        }
        why.append(why.length() == 0 ? "" : "; ")
            .append("node ")
            .append(Ids.shortHex(source.getNodeId()))
            .append(": ")
            .append(e.getStatus().getCode())
            .append(
                e.getStatus().getDescription() == null
                    ? ""
                    : " (" + e.getStatus().getDescription() + ")");
      } catch (TransferFailure e) {
        allLost = false;
        why.append(why.length() == 0 ? "" : "; ").append(e.getMessage());
      }
    }
    if (req.getSourcesCount() == 0) {
      why.append("no node is known to hold it");
    }
    return PullObjectReply.newBuilder()
        .setError("cannot pull object " + Ids.shortHex(id) + ": " + why)
        .setLost(allLost)
        .build();
  }

  /** Local reasons a transfer failed (no room, a broken stream). */
  private static final class TransferFailure extends RuntimeException {
    TransferFailure(String message) {
      super(message);
    }
  }

  /** One transfer: reserve room on the first chunk, write each chunk in place, seal. */
  private void pullFrom(Address source, ByteString id, Address owner) {
    Iterator<ObjectChunk> chunks =
        NodeServiceGrpc.newBlockingStub(channels.get(source))
            .withDeadlineAfter(30, TimeUnit.MINUTES)
            .readObject(
                ReadObjectRequest.newBuilder().setObjectId(id).setReaderNodeId(nodeId).build());
    long t0 = System.nanoTime();
    ObjectChunk first = chunks.next();
    long size = first.getTotalSize();
    long t1 = System.nanoTime();
    ByteString writer = ByteString.copyFromUtf8("pull-" + Ids.shortHex(Ids.random()));
    CreateObjectReply room = objects.reserve(id, size, owner, writer, 60_000);
    long t2 = System.nanoTime();
    if (!room.getError().isEmpty()) {
      drain(chunks);
      throw new TransferFailure("no room for it here: " + room.getError());
    }
    boolean sealed = false;
    try (SharedMemoryStore.WritableObject w =
        objects
            .store()
            .openPrepared(
                java.nio.file.Path.of(room.getPath()),
                room.hasArenaOffset() ? room.getArenaOffset() : -1,
                size,
                (byte) first.getFormat())) {
      MemorySegment dst = w.payload();
      long got = write(dst, first);
      while (chunks.hasNext()) {
        got += write(dst, chunks.next());
      }
      if (got != size) {
        throw new TransferFailure(
            "the stream from node "
                + Ids.shortHex(source.getNodeId())
                + " ended after "
                + got
                + " of "
                + size
                + " bytes");
      }
      long t3 = System.nanoTime();
      w.seal();
      objects.seal(id);
      objects.markSecondary(id);
      sealed = true;
      LOG.log(
          System.Logger.Level.DEBUG,
          () ->
              String.format(
                  "pulled %d bytes: first chunk %.1f ms, reserve %.1f ms, stream %.1f ms",
                  size, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6));
      count(source.getNodeId(), 0, size);
      receivedTotal.addAndGet(size);
    } finally {
      if (!sealed) {
        objects.free(List.of(id));
      }
    }
  }

  private static long write(MemorySegment dst, ObjectChunk c) {
    ByteString data = c.getData();
    data.copyTo(dst.asSlice(c.getOffset(), data.size()).asByteBuffer());
    return data.size();
  }

  private static void drain(Iterator<ObjectChunk> it) {
    try {
      while (it.hasNext()) {
        it.next();
      }
    } catch (RuntimeException ignored) {
      // the stream is closed either way
    }
  }

  // ------------------------------------------------------------------ drivers without a node

  /** Stores an object sent in chunks (a large put from a driver on a machine with no node). */
  StreamObserver<ObjectChunk> write(StreamObserver<WriteObjectReply> reply) {
    return new StreamObserver<>() {
      SharedMemoryStore.WritableObject w;
      ByteString id;
      long got;
      long size;
      String error;

      @Override
      public void onNext(ObjectChunk c) {
        if (error != null) {
          return;
        }
        try {
          if (w == null) {
            id = c.getObjectId();
            size = c.getTotalSize();
            CreateObjectReply room =
                objects.reserve(id, size, c.getOwner(), c.getOwner().getWorkerId(), 60_000);
            if (!room.getError().isEmpty()) {
              error = room.getError();
              return;
            }
            w =
                objects
                    .store()
                    .openPrepared(
                        java.nio.file.Path.of(room.getPath()),
                        room.hasArenaOffset() ? room.getArenaOffset() : -1,
                        size,
                        (byte) c.getFormat());
          }
          got += write(w.payload(), c);
        } catch (RuntimeException e) {
          error = "cannot store the object: " + e.getMessage();
        }
      }

      @Override
      public void onError(Throwable t) {
        abort();
      }

      @Override
      public void onCompleted() {
        if (error == null && w != null && got == size) {
          w.seal();
          w.close();
          objects.seal(id);
          reply.onNext(WriteObjectReply.getDefaultInstance());
        } else {
          abort();
          reply.onNext(
              WriteObjectReply.newBuilder()
                  .setError(
                      error != null
                          ? error
                          : "the object's stream ended after " + got + " of " + size + " bytes")
                  .build());
        }
        reply.onCompleted();
      }

      private void abort() {
        if (w != null) {
          w.close();
          objects.free(List.of(id));
          w = null;
        }
      }
    };
  }

  // ------------------------------------------------------------------ counters

  private void count(ByteString peer, long sent, long received) {
    if (peer == null || peer.isEmpty()) {
      peer = ByteString.copyFromUtf8("driver");
    }
    AtomicLong[] c =
        peers.computeIfAbsent(peer, k -> new AtomicLong[] {new AtomicLong(), new AtomicLong()});
    c[0].addAndGet(sent);
    c[1].addAndGet(received);
  }

  List<PeerTransfer> peerStats() {
    return peers.entrySet().stream()
        .map(
            (Map.Entry<ByteString, AtomicLong[]> e) ->
                PeerTransfer.newBuilder()
                    .setNodeId(e.getKey())
                    .setBytesSent(e.getValue()[0].get())
                    .setBytesReceived(e.getValue()[1].get())
                    .build())
        .toList();
  }

  long sentTotal() {
    return sentTotal.get();
  }

  long receivedTotal() {
    return receivedTotal.get();
  }

  long pullsTotal() {
    return pullsTotal.get();
  }

  long pullsDeduplicated() {
    return pullsDeduplicated.get();
  }

  static CreateObjectRequest createRequest(
      ByteString id, long size, Address owner, ByteString writer, long timeoutMs) {
    return CreateObjectRequest.newBuilder()
        .setObjectId(id)
        .setSizeBytes(size)
        .setOwner(owner)
        .setWriterWorkerId(writer)
        .setTimeoutMs(timeoutMs)
        .build();
  }

  static void logFailure(String what, Throwable t) {
    LOG.log(System.Logger.Level.DEBUG, what + ": " + t);
  }
}
