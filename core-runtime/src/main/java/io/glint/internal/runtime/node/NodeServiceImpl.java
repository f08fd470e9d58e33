package io.glint.internal.runtime.node;

import io.glint.internal.proto.CancelLeaseReply;
import io.glint.internal.proto.CancelLeaseRequest;
import io.glint.internal.proto.CommitActorLeaseReply;
import io.glint.internal.proto.CommitActorLeaseRequest;
import io.glint.internal.proto.FreeObjectsReply;
import io.glint.internal.proto.FreeObjectsRequest;
import io.glint.internal.proto.GetNodeResourcesReply;
import io.glint.internal.proto.GetNodeResourcesRequest;
import io.glint.internal.proto.HandshakeReply;
import io.glint.internal.proto.HandshakeRequest;
import io.glint.internal.proto.KillJobWorkersReply;
import io.glint.internal.proto.KillJobWorkersRequest;
import io.glint.internal.proto.KillWorkerReply;
import io.glint.internal.proto.KillWorkerRequest;
import io.glint.internal.proto.LeaseReply;
import io.glint.internal.proto.LeaseRequest;
import io.glint.internal.proto.LogBatch;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.PrestartWorkersReply;
import io.glint.internal.proto.PrestartWorkersRequest;
import io.glint.internal.proto.RegisterWorkerReply;
import io.glint.internal.proto.RegisterWorkerRequest;
import io.glint.internal.proto.ReturnLeaseReply;
import io.glint.internal.proto.ReturnLeaseRequest;
import io.glint.internal.proto.StreamWorkerLogsRequest;
import io.glint.internal.proto.WorkerBlockedReply;
import io.glint.internal.proto.WorkerBlockedRequest;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.Rpc;
import io.glint.internal.runtime.common.Versions;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** The node daemon's gRPC face; all logic lives in {@link NodeDaemon}. */
final class NodeServiceImpl extends NodeServiceGrpc.NodeServiceImplBase {
  private final NodeDaemon d;

  NodeServiceImpl(NodeDaemon d) {
    this.d = d;
  }

  @Override
  public void handshake(HandshakeRequest request, StreamObserver<HandshakeReply> obs) {
    Rpc.reply(obs, Versions.answer(request));
  }

  @Override
  public void requestWorkerLease(LeaseRequest request, StreamObserver<LeaseReply> obs) {
    d.scheduler().requestLease(request, obs);
  }

  @Override
  public void returnWorkerLease(ReturnLeaseRequest request, StreamObserver<ReturnLeaseReply> obs) {
    d.scheduler().returnLease(request.getLeaseId(), request.getDisconnectWorker());
    Rpc.reply(obs, ReturnLeaseReply.getDefaultInstance());
  }

  @Override
  public void reportBacklog(
      io.glint.internal.proto.ReportBacklogRequest request,
      StreamObserver<io.glint.internal.proto.ReportBacklogReply> obs) {
    d.scheduler().reportBacklog(request);
    Rpc.reply(obs, io.glint.internal.proto.ReportBacklogReply.getDefaultInstance());
  }

  @Override
  public void cancelWorkerLease(CancelLeaseRequest request, StreamObserver<CancelLeaseReply> obs) {
    Rpc.reply(
        obs,
        CancelLeaseReply.newBuilder()
            .setCancelled(d.scheduler().cancelLease(request.getLeaseRequestId()))
            .build());
  }

  @Override
  public void commitActorLease(
      CommitActorLeaseRequest request, StreamObserver<CommitActorLeaseReply> obs) {
    d.scheduler().commitActorLease(request.getLeaseId());
    Rpc.reply(obs, CommitActorLeaseReply.getDefaultInstance());
  }

  @Override
  public void registerWorker(
      RegisterWorkerRequest request, StreamObserver<RegisterWorkerReply> obs) {
    if (d.scheduler().registerWorker(request.getWorkerId(), request.getAddress()) == null) {
      obs.onError(
          Status.NOT_FOUND
              .withDescription("unknown worker " + Ids.shortHex(request.getWorkerId()))
              .asRuntimeException());
      return;
    }
    Rpc.reply(
        obs,
        RegisterWorkerReply.newBuilder()
            .setNodeId(d.nodeId())
            .setObjectStoreDir(d.storeDir().toString())
            .setControlServiceAddress(d.options().controlAddress())
            .build());
  }

  @Override
  public void notifyWorkerBlocked(
      WorkerBlockedRequest request, StreamObserver<WorkerBlockedReply> obs) {
    d.scheduler().workerBlocked(request.getWorkerId(), true, request.getSeq());
    Rpc.reply(obs, WorkerBlockedReply.getDefaultInstance());
  }

  @Override
  public void notifyWorkerUnblocked(
      WorkerBlockedRequest request, StreamObserver<WorkerBlockedReply> obs) {
    d.scheduler().workerBlocked(request.getWorkerId(), false, request.getSeq());
    Rpc.reply(obs, WorkerBlockedReply.getDefaultInstance());
  }

  @Override
  public void getWorkerExitCause(
      io.glint.internal.proto.GetWorkerExitCauseRequest request,
      StreamObserver<io.glint.internal.proto.GetWorkerExitCauseReply> obs) {
    String cause = d.memory().exitCause(request.getWorkerId());
    Rpc.reply(
        obs,
        io.glint.internal.proto.GetWorkerExitCauseReply.newBuilder()
            .setCause(cause == null ? "" : cause)
            .setOutOfMemory(cause != null)
            .build());
  }

  @Override
  public void killWorker(KillWorkerRequest request, StreamObserver<KillWorkerReply> obs) {
    Rpc.reply(
        obs,
        KillWorkerReply.newBuilder()
            .setKilled(d.scheduler().killWorker(request.getWorkerId()))
            .build());
  }

  @Override
  public void getNodeResources(
      GetNodeResourcesRequest request, StreamObserver<GetNodeResourcesReply> obs) {
    Rpc.reply(
        obs,
        GetNodeResourcesReply.newBuilder()
            .setTotal(d.total().toProto())
            .setAvailable(d.available().toProto())
            .setNumWorkers(d.workerCount())
            .setNumIdleWorkers(d.idleWorkerCount())
            .build());
  }

  @Override
  public void prestartWorkers(
      PrestartWorkersRequest request, StreamObserver<PrestartWorkersReply> obs) {
    d.prestart(request.getJobId(), request.getCount());
    Rpc.reply(obs, PrestartWorkersReply.getDefaultInstance());
  }

  @Override
  public void killJobWorkers(
      KillJobWorkersRequest request, StreamObserver<KillJobWorkersReply> obs) {
    d.killJobWorkers(request.getJobId());
    Rpc.reply(obs, KillJobWorkersReply.getDefaultInstance());
  }

  @Override
  public void streamWorkerLogs(StreamWorkerLogsRequest request, StreamObserver<LogBatch> obs) {
    d.logs().subscribe(request.getJobId(), obs);
  }

  @Override
  public void getWorkers(
      io.glint.internal.proto.GetWorkersRequest request,
      StreamObserver<io.glint.internal.proto.GetWorkersReply> obs) {
    Rpc.reply(obs, WorkerTable.withMemory(d.scheduler().workerInfos()));
  }

  @Override
  public void readWorkerLog(
      io.glint.internal.proto.ReadWorkerLogRequest request,
      StreamObserver<io.glint.internal.proto.ReadWorkerLogReply> obs) {
    Rpc.reply(obs, d.logs().read(request));
  }

  @Override
  public void createObject(
      io.glint.internal.proto.CreateObjectRequest request,
      StreamObserver<io.glint.internal.proto.CreateObjectReply> obs) {
    d.objects().createObject(request, obs);
  }

  @Override
  public void sealObject(
      io.glint.internal.proto.SealObjectRequest request,
      StreamObserver<io.glint.internal.proto.SealObjectReply> obs) {
    try {
      d.objects().seal(request.getObjectId());
      Rpc.reply(obs, io.glint.internal.proto.SealObjectReply.getDefaultInstance());
    } catch (IllegalStateException e) {
      obs.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void pinObjects(
      io.glint.internal.proto.PinObjectsRequest request,
      StreamObserver<io.glint.internal.proto.PinObjectsReply> obs) {
    try {
      Rpc.reply(
          obs,
          io.glint.internal.proto.PinObjectsReply.newBuilder()
              .addAllMissing(d.objects().pin(request.getWorkerId(), request.getObjectIdsList()))
              .build());
    } catch (RuntimeException e) {
      obs.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public void unpinObjects(
      io.glint.internal.proto.PinObjectsRequest request,
      StreamObserver<io.glint.internal.proto.PinObjectsReply> obs) {
    d.objects().unpin(request.getWorkerId(), request.getObjectIdsList());
    Rpc.reply(obs, io.glint.internal.proto.PinObjectsReply.getDefaultInstance());
  }

  @Override
  public void getObjectStoreStats(
      io.glint.internal.proto.GetObjectStoreStatsRequest request,
      StreamObserver<io.glint.internal.proto.ObjectStoreStats> obs) {
    Rpc.reply(obs, d.storeStats(request.getIncludeObjects()));
  }

  @Override
  public void freeObjects(FreeObjectsRequest request, StreamObserver<FreeObjectsReply> obs) {
    d.objects().free(request.getObjectIdsList());
    Rpc.reply(obs, FreeObjectsReply.getDefaultInstance());
  }

  @Override
  public void pullObject(
      io.glint.internal.proto.PullObjectRequest request,
      StreamObserver<io.glint.internal.proto.PullObjectReply> obs) {
    d.transfer()
        .pull(request)
        .thenAccept(
            r -> {
              try {
                Rpc.reply(obs, r);
              } catch (RuntimeException ignored) {
                // the caller went away
              }
            });
  }

  @Override
  public void readObject(
      io.glint.internal.proto.ReadObjectRequest request,
      StreamObserver<io.glint.internal.proto.ObjectChunk> obs) {
    d.transfer().read(request, obs);
  }

  @Override
  public StreamObserver<io.glint.internal.proto.ObjectChunk> writeObject(
      StreamObserver<io.glint.internal.proto.WriteObjectReply> obs) {
    return d.transfer().write(obs);
  }

  @Override
  public void prepareBundles(
      io.glint.internal.proto.PrepareBundlesRequest request,
      StreamObserver<io.glint.internal.proto.PrepareBundlesReply> obs) {
    Rpc.reply(
        obs, d.scheduler().prepareBundles(request.getPlacementGroupId(), request.getBundlesList()));
  }

  @Override
  public void commitBundles(
      io.glint.internal.proto.CommitBundlesRequest request,
      StreamObserver<io.glint.internal.proto.CommitBundlesReply> obs) {
    d.scheduler().commitBundles(request.getPlacementGroupId());
    Rpc.reply(
        obs,
        io.glint.internal.proto.CommitBundlesReply.newBuilder()
            .setTotal(d.total().toProto())
            .setAvailable(d.available().toProto())
            .build());
  }

  @Override
  public void cancelBundles(
      io.glint.internal.proto.CancelBundlesRequest request,
      StreamObserver<io.glint.internal.proto.CancelBundlesReply> obs) {
    d.scheduler().cancelBundles(request.getPlacementGroupId());
    Rpc.reply(obs, io.glint.internal.proto.CancelBundlesReply.getDefaultInstance());
  }
}
