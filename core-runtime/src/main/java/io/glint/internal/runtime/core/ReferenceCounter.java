package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.BorrowUpdate;
import io.glint.internal.proto.ObjectReference;
import io.glint.internal.proto.UpdateBorrowsRequest;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.Rpc;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Distributed reference counting across processes (Ray's ownership model): borrows this process
 * reports to owners, borrows others report to it, objects whose values hold refs (they borrow what
 * they contain), borrowers that died without saying so (learned from the control service), and the
 * collections that make the GC notice dropped refs in an idle worker.
 */
final class ReferenceCounter {
  private static final System.Logger LOG = System.getLogger(ReferenceCounter.class.getName());

  private final CoreWorker worker;

  ReferenceCounter(CoreWorker worker) {
    this.worker = worker;
  }

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
    registerContained(containerId, worker.settings().workerId(), nested);
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
  void releaseContained(ByteString containerId, List<ObjectReference> nested) {
    sendByOwner(nested, containerKey(containerId, worker.settings().workerId()), true, false);
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
    if (owner.getWorkerId().equals(worker.settings().workerId())) {
      applyBorrowUpdates(updates);
      return;
    }
    if (worker.isShutdown() && !sync) {
      return;
    }
    UpdateBorrowsRequest req = UpdateBorrowsRequest.newBuilder().addAllUpdates(updates).build();
    Rpc.detached(
        () -> {
          if (sync) {
            try {
              WorkerServiceGrpc.newBlockingStub(worker.channels().get(owner))
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .updateBorrows(req);
            } catch (io.grpc.StatusRuntimeException e) {
              // The owner is gone, and its objects with it: reading them fails on its own.
              LOG.log(System.Logger.Level.DEBUG, "borrow update to " + owner + " failed: " + e);
            }
          } else {
            WorkerServiceGrpc.newStub(worker.channels().get(owner))
                .updateBorrows(req, CoreWorker.ignore());
          }
        });
  }

  /** Borrow updates for objects this process owns. */
  void applyBorrowUpdates(List<BorrowUpdate> updates) {
    for (BorrowUpdate u : updates) {
      worker
          .objects()
          .updateBorrow(u.getObjectId(), u.getBorrower(), u.getEpoch(), u.getReleased());
    }
  }

  /** How many borrowers hold an object this process owns (tests, stats). */
  int borrowersOf(ByteString id) {
    return worker.objects().borrowers(id);
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
    if (!holdsAnything() || worker.isShutdown()) {
      return;
    }
    try {
      worker.scheduler().schedule(() -> collectIfIdle(n), IDLE_GC_DELAY_MS, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
      // shutting down: the borrows are released anyway
    }
  }

  /**
   * Whether a collection could release something: borrowed refs, owned objects, or views of stored
   * objects (each holds its object in the store until collected).
   */
  private boolean holdsAnything() {
    return worker.borrows().size() > 0
        || worker.objects().size() > 0
        || worker.objectStore().hasViews();
  }

  /** Collects if no task finished since the {@code n}th, none runs, and refs are borrowed. */
  private void collectIfIdle(long n) {
    TaskExecutor ex = worker.executor();
    if (tasksDone.get() == n
        && collectedAfter != n
        && (ex == null || ex.idle())
        && holdsAnything()) {
      collectedAfter = n;
      worker.async(System::gc);
    }
  }

  private static final long IDLE_GC_DELAY_MS = 300;

  static final long DEAD_WORKER_POLL_MS = 1000;

  private volatile long deadWorkersSeq;

  private final java.util.concurrent.atomic.AtomicBoolean deadWorkersPolling =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * A borrower whose process died cannot say it let go: while other processes borrow objects this
   * one owns, ask the control service which workers died and release their worker.borrows().
   */
  void releaseBorrowsOfDeadWorkers() {
    if (worker.isShutdown()
        || worker.objects().remoteBorrows() == 0
        || !deadWorkersPolling.compareAndSet(false, true)) {
      return;
    }
    worker
        .controlStub()
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
                  worker.objects().releaseBorrowersOf(Ids.hex(w));
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
}
