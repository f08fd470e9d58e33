package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.RegisterNodeRequest;
import io.glint.internal.proto.ReportNodeResourcesReply;
import io.glint.internal.proto.ReportNodeResourcesRequest;
import io.glint.internal.proto.ReportWorkerDeathRequest;
import io.glint.internal.proto.UnregisterNodeRequest;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.Rpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A node daemon's link to the control service: registration, the report every second (whose reply
 * brings the cluster view and the worker deaths anywhere in the cluster), and registering again
 * when the service forgot the node or restarted. A restart shows as a new epoch in a reply; the
 * node then tells the new service which actor workers it still runs. While the service is
 * unreachable the node keeps working and retries every second, without gRPC's growing back-off.
 */
final class ControlLink {
  private static final System.Logger LOG = System.getLogger(ControlLink.class.getName());

  private final ChannelPool channels;
  private final Address control;
  private final LeaseScheduler scheduler;
  private final Supplier<NodeInfo> nodeInfo;
  private final Executor io;

  /** The control service's start, as of our last registration (a change means it restarted). */
  private volatile ByteString epoch = ByteString.EMPTY;

  private volatile boolean down;
  private volatile boolean closed;

  /** The last worker death (cluster-wide) this node has heard of; -1 before the first report. */
  private volatile long deadWorkersSeq = -1;

  private final AtomicBoolean registering = new AtomicBoolean();

  ControlLink(
      ChannelPool channels,
      Address control,
      LeaseScheduler scheduler,
      Supplier<NodeInfo> nodeInfo,
      Executor io) {
    this.channels = channels;
    this.control = control;
    this.scheduler = scheduler;
    this.nodeInfo = nodeInfo;
    this.io = io;
  }

  private ControlServiceGrpc.ControlServiceBlockingStub blocking() {
    return ControlServiceGrpc.newBlockingStub(channels.get(control));
  }

  /** The first registration; throws when the service cannot be reached within 30 s. */
  void register() {
    epoch =
        blocking()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .registerNode(RegisterNodeRequest.newBuilder().setNode(nodeInfo.get()).build())
            .getControlEpoch();
  }

  /** Sends one report (the node's resources and demand); the reply updates the scheduler. */
  void report(ReportNodeResourcesRequest.Builder req) {
    ControlServiceGrpc.newStub(channels.get(control))
        .reportNodeResources(
            req.setDeadWorkersAfter(deadWorkersSeq).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(ReportNodeResourcesReply r) {
                down = false;
                boolean restarted =
                    !r.getControlEpoch().isEmpty() && !r.getControlEpoch().equals(epoch);
                if ((restarted || !r.getKnown()) && !closed) {
                  io.execute(() -> registerAgain(restarted));
                }
                scheduler.updateView(r.getNodesList());
                if (!r.getDeadWorkerIdsList().isEmpty()) {
                  scheduler.requestersDied(r.getDeadWorkerIdsList());
                }
                deadWorkersSeq = r.getDeadWorkersSeq();
              }

              @Override
              public void onError(Throwable t) {
                if (!down && !closed) {
                  down = true;
                  LOG.log(
                      System.Logger.Level.WARNING,
                      "the control service is unreachable ("
                          + Status.fromThrowable(t).getCode()
                          + "); retrying every second");
                }
                channels.get(control).resetConnectBackoff();
              }

              @Override
              public void onCompleted() {}
            });
  }

  /**
   * Registers again: after the control service forgot the node, or restarted (then it also learns
   * which actor workers still run here, so it can tell which died while it was away).
   */
  private void registerAgain(boolean restarted) {
    if (!registering.compareAndSet(false, true)) {
      return;
    }
    try {
      RegisterNodeRequest.Builder req = RegisterNodeRequest.newBuilder().setNode(nodeInfo.get());
      if (restarted) {
        req.setReconnect(true).addAllActorWorkers(scheduler.actorWorkers());
      }
      epoch =
          blocking()
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .registerNode(req.build())
              .getControlEpoch();
      if (restarted) {
        LOG.log(System.Logger.Level.INFO, "re-registered with the restarted control service");
      }
    } catch (StatusRuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "re-registration failed: " + e.getStatus());
    } finally {
      registering.set(false);
    }
  }

  /** Tells the service a worker process ended (actors restart, owners release borrows). */
  void workerDied(ReportWorkerDeathRequest r) {
    ControlServiceGrpc.newStub(channels.get(control)).reportWorkerDeath(r, Rpc.ignore());
  }

  /** Leaves the cluster (best effort: the service may be gone already). */
  void unregister(ByteString nodeId) {
    closed = true;
    try {
      blocking()
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .unregisterNode(UnregisterNodeRequest.newBuilder().setNodeId(nodeId).build());
    } catch (StatusRuntimeException ignored) {
      // the control service may be gone already
    }
  }

  void close() {
    closed = true;
  }
}
