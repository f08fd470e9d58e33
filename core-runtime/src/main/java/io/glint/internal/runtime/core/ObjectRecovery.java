package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.FailureKind;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.ObjectStatus;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lineage reconstruction, Ray's way, on the owner's side: a stored object this process owns whose
 * only copy was on a node that died is rebuilt by running the task that made it again (within that
 * task's retries), its inputs first if they were lost too. Objects that cannot be rebuilt (stored
 * by {@code put}, out of retries, an input already freed) fail with a typed {@code ObjectLostError}
 * that says why. Waiters of a rebuilt object wait for the new copy.
 *
 * <p>Loss is noticed two ways: the cluster view reports a node dead (every stored object there is
 * handled at once), or a read of an object fails because its node is gone.
 */
final class ObjectRecovery {
  private static final System.Logger LOG = System.getLogger(ObjectRecovery.class.getName());

  private final CoreWorker worker;
  private final Set<ByteString> deadNodes = ConcurrentHashMap.newKeySet();

  ObjectRecovery(CoreWorker worker) {
    this.worker = worker;
  }

  /** Cluster view listener: objects whose copy was on a node that just died are handled. */
  void onClusterView(List<NodeInfo> nodes) {
    List<ByteString> newlyDead = new ArrayList<>();
    for (NodeInfo n : nodes) {
      if (!n.getAlive() && deadNodes.add(n.getNodeId())) {
        newlyDead.add(n.getNodeId());
      }
    }
    if (newlyDead.isEmpty()) {
      return;
    }
    worker.async(
        () -> {
          for (ObjectTable.Entry e : worker.objects().entries()) {
            CompletableFuture<ObjectStatus> f = e.status();
            ObjectStatus s = f.getNow(null);
            if (s != null && s.hasLocation() && newlyDead.contains(s.getLocation().getNodeId())) {
              recover(e, f, "its node " + Ids.shortHex(s.getLocation().getNodeId()) + " died");
            }
          }
        });
  }

  /** Whether the cluster view has reported this node dead. */
  boolean isDead(ByteString nodeId) {
    return deadNodes.contains(nodeId);
  }

  /**
   * Whether a status points at a copy on a dead node (asking the control service now when the view
   * does not say so yet).
   */
  boolean lostCopy(ObjectStatus s) {
    if (s == null || !s.hasLocation()) {
      return false;
    }
    ByteString node = s.getLocation().getNodeId();
    if (!isDead(node)) {
      worker.refreshClusterViewNow();
    }
    return isDead(node);
  }

  /**
   * Rebuilds (or, when it cannot be rebuilt, fails) an object whose status {@code lost} points at a
   * lost copy. Returns the status to wait for. Safe to call more than once: only the first call for
   * a given lost status acts.
   */
  CompletableFuture<ObjectStatus> recover(
      ObjectTable.Entry e, CompletableFuture<ObjectStatus> lost, String why) {
    NormalTaskSubmitter.PendingTask t = e.lineage;
    String cannot =
        t == null
            ? "it was stored by put or returned by an actor call (only task results are rebuilt)"
            : worker.normalSubmitter().whyNotRebuildable(t);
    if (cannot != null) {
      e.replace(
          lost,
          ObjectStatus.newBuilder()
              .setFailure(
                  Failures.system(
                      FailureKind.FAILURE_KIND_OBJECT_LOST,
                      "ObjectLostError",
                      "object "
                          + Ids.shortHex(e.id)
                          + " was lost because "
                          + why
                          + ", and it cannot be rebuilt: "
                          + cannot,
                      false))
              .build());
      return e.status();
    }
    if (!e.restart(lost)) {
      return e.status();
    }
    e.producer = t;
    for (ByteString id : t.returnIds) {
      ObjectTable.Entry other = worker.objects().get(id);
      if (other != null && other != e) {
        CompletableFuture<ObjectStatus> f = other.status();
        ObjectStatus s = f.getNow(null);
        if (s != null && s.hasLocation()) {
          other.restart(f);
        }
      }
    }
    LOG.log(
        System.Logger.Level.INFO,
        "Object "
            + Ids.shortHex(e.id)
            + " was lost because "
            + why
            + "; running "
            + t.name
            + " again to rebuild it");
    worker.normalSubmitter().rerun(t, this, true);
    return e.status();
  }

  /**
   * The status an input of a task being run again should wait for: its current one, or (when its
   * copy was lost too) the one of its own rebuild.
   */
  CompletableFuture<ObjectStatus> inputStatus(ObjectTable.Entry input) {
    CompletableFuture<ObjectStatus> f = input.status();
    ObjectStatus s = f.getNow(null);
    if (s != null && s.hasLocation() && isDead(s.getLocation().getNodeId())) {
      return recover(input, f, "its node " + Ids.shortHex(s.getLocation().getNodeId()) + " died");
    }
    return f;
  }
}
