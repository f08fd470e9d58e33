package io.glint.internal.runtime.control;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.ActorInfo;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.CreateActorReply;
import io.glint.internal.proto.CreateActorRequest;
import io.glint.internal.proto.Failure;
import io.glint.internal.proto.FinishJobReply;
import io.glint.internal.proto.FinishJobRequest;
import io.glint.internal.proto.GetAllNodesReply;
import io.glint.internal.proto.GetAllNodesRequest;
import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.GetClusterResourcesRequest;
import io.glint.internal.proto.GetJobConfigReply;
import io.glint.internal.proto.GetJobConfigRequest;
import io.glint.internal.proto.GetNamedActorReply;
import io.glint.internal.proto.GetNamedActorRequest;
import io.glint.internal.proto.HandshakeReply;
import io.glint.internal.proto.HandshakeRequest;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.proto.KillActorReply;
import io.glint.internal.proto.KillActorRequest;
import io.glint.internal.proto.KvDeleteReply;
import io.glint.internal.proto.KvDeleteRequest;
import io.glint.internal.proto.KvGetReply;
import io.glint.internal.proto.KvGetRequest;
import io.glint.internal.proto.KvKeysReply;
import io.glint.internal.proto.KvKeysRequest;
import io.glint.internal.proto.KvPutReply;
import io.glint.internal.proto.KvPutRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.RegisterJobReply;
import io.glint.internal.proto.RegisterJobRequest;
import io.glint.internal.proto.RegisterNodeReply;
import io.glint.internal.proto.RegisterNodeRequest;
import io.glint.internal.proto.ReportNodeResourcesReply;
import io.glint.internal.proto.ReportNodeResourcesRequest;
import io.glint.internal.proto.ReportWorkerDeathReply;
import io.glint.internal.proto.ReportWorkerDeathRequest;
import io.glint.internal.proto.UnregisterNodeReply;
import io.glint.internal.proto.UnregisterNodeRequest;
import io.glint.internal.proto.WaitActorStateRequest;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.common.Rpc;
import io.glint.internal.runtime.common.Versions;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** The control service's gRPC face; all logic lives in {@link ControlServer}. */
final class ControlServiceImpl extends ControlServiceGrpc.ControlServiceImplBase {
  private final ControlServer c;

  ControlServiceImpl(ControlServer c) {
    this.c = c;
  }

  @Override
  public void handshake(HandshakeRequest request, StreamObserver<HandshakeReply> obs) {
    Rpc.reply(obs, Versions.answer(request));
  }

  @Override
  public void registerNode(RegisterNodeRequest request, StreamObserver<RegisterNodeReply> obs) {
    Rpc.detached(() -> c.registerNode(request));
    Rpc.reply(obs, RegisterNodeReply.newBuilder().setControlEpoch(c.epoch()).build());
  }

  @Override
  public void reportNodeResources(
      ReportNodeResourcesRequest request, StreamObserver<ReportNodeResourcesReply> obs) {
    Rpc.reply(
        obs,
        ReportNodeResourcesReply.newBuilder()
            .setKnown(c.reportResources(request))
            .addAllNodes(c.allNodes())
            .setControlEpoch(c.epoch())
            .mergeFrom(c.deadWorkersForNode(request.getDeadWorkersAfter()))
            .build());
  }

  @Override
  public void unregisterNode(
      UnregisterNodeRequest request, StreamObserver<UnregisterNodeReply> obs) {
    c.unregisterNode(request.getNodeId());
    Rpc.reply(obs, UnregisterNodeReply.getDefaultInstance());
  }

  @Override
  public void getAllNodes(GetAllNodesRequest request, StreamObserver<GetAllNodesReply> obs) {
    Rpc.reply(obs, GetAllNodesReply.newBuilder().addAllNodes(c.allNodes()).build());
  }

  @Override
  public void getClusterResources(
      GetClusterResourcesRequest request, StreamObserver<GetClusterResourcesReply> obs) {
    java.util.concurrent.CompletableFuture<List<NodeInfo>> fresh =
        new java.util.concurrent.CompletableFuture<>();
    Rpc.detached(() -> c.freshNodes().whenComplete((n, e) -> fresh.complete(n)));
    fresh.whenComplete(
        (nodes, err) -> {
          // Dead nodes are listed too (alive = false), after the live ones; totals are the live.
          // A node that died while its fresh numbers were fetched is listed as dead only.
          List<NodeInfo> dead = c.allNodes().stream().filter(n -> !n.getAlive()).toList();
          java.util.Set<com.google.protobuf.ByteString> deadIds =
              dead.stream().map(NodeInfo::getNodeId).collect(java.util.stream.Collectors.toSet());
          List<NodeInfo> ns =
              (nodes != null ? nodes : c.aliveNodes())
                  .stream().filter(n -> !deadIds.contains(n.getNodeId())).toList();
          ResourceSet total = ResourceSet.EMPTY;
          ResourceSet available = ResourceSet.EMPTY;
          for (NodeInfo n : ns) {
            total = total.plus(ResourceSet.fromProto(n.getTotal()));
            available = available.plus(ResourceSet.fromProto(n.getAvailable()));
          }
          Rpc.reply(
              obs,
              GetClusterResourcesReply.newBuilder()
                  .setTotal(total.toProto())
                  .setAvailable(available.toProto())
                  .addAllNodes(ns)
                  .addAllNodes(dead)
                  .build());
        });
  }

  @Override
  public void registerJob(RegisterJobRequest request, StreamObserver<RegisterJobReply> obs) {
    JobConfig stored = c.registerJob(request.getConfig());
    Rpc.reply(
        obs,
        RegisterJobReply.newBuilder()
            .setJobId(stored.getJobId())
            .setNamespace(stored.getNamespace())
            .build());
  }

  @Override
  public void getJobConfig(GetJobConfigRequest request, StreamObserver<GetJobConfigReply> obs) {
    JobConfig cfg = c.job(request.getJobId());
    GetJobConfigReply.Builder b = GetJobConfigReply.newBuilder();
    if (cfg != null) {
      b.setConfig(cfg);
    }
    Rpc.reply(obs, b.build());
  }

  @Override
  public void finishJob(FinishJobRequest request, StreamObserver<FinishJobReply> obs) {
    Rpc.detached(() -> c.finishJob(request.getJobId()));
    Rpc.reply(obs, FinishJobReply.getDefaultInstance());
  }

  @Override
  public void createActor(CreateActorRequest request, StreamObserver<CreateActorReply> obs) {
    Failure[] out = new Failure[1];
    Rpc.detached(() -> out[0] = c.actors().createActor(request.getCreationTask()));
    Failure f = out[0];
    CreateActorReply.Builder b = CreateActorReply.newBuilder();
    if (f != null) {
      b.setFailure(f);
    }
    Rpc.reply(obs, b.build());
  }

  @Override
  public void waitActorState(WaitActorStateRequest request, StreamObserver<ActorInfo> obs) {
    c.actors()
        .waitActor(request.getActorId(), request.getTimeoutMs())
        .whenComplete(
            (info, err) -> {
              try {
                Rpc.reply(obs, info);
              } catch (RuntimeException ignored) {
                // caller gone
              }
            });
  }

  @Override
  public void getNamedActor(GetNamedActorRequest request, StreamObserver<GetNamedActorReply> obs) {
    ActorInfo a = c.actors().namedActor(request.getName(), request.getNamespace());
    GetNamedActorReply.Builder b = GetNamedActorReply.newBuilder().setFound(a != null);
    if (a != null) {
      b.setActor(a);
    }
    Rpc.reply(obs, b.build());
  }

  @Override
  public void killActor(KillActorRequest request, StreamObserver<KillActorReply> obs) {
    Rpc.detached(() -> c.actors().killActor(request.getActorId(), request.getNoRestart()));
    Rpc.reply(obs, KillActorReply.getDefaultInstance());
  }

  @Override
  public void reportWorkerDeath(
      ReportWorkerDeathRequest request, StreamObserver<ReportWorkerDeathReply> obs) {
    c.logWorkerDeath(request.getWorkerId());
    if (!request.getActorId().isEmpty()) {
      Rpc.detached(
          () ->
              c.actors()
                  .onWorkerDeath(request.getActorId(), request.getWorkerId(), request.getReason()));
    }
    Rpc.reply(obs, ReportWorkerDeathReply.getDefaultInstance());
  }

  @Override
  public void getDeadWorkers(
      io.glint.internal.proto.GetDeadWorkersRequest request,
      StreamObserver<io.glint.internal.proto.GetDeadWorkersReply> obs) {
    Rpc.reply(obs, c.deadWorkersAfter(request.getAfterSeq()));
  }

  @Override
  public void kvPut(KvPutRequest request, StreamObserver<KvPutReply> obs) {
    boolean added =
        c.kv()
            .put(
                request.getNamespace(),
                request.getKey(),
                request.getValue(),
                request.getOverwrite());
    Rpc.reply(obs, KvPutReply.newBuilder().setAdded(added).build());
  }

  @Override
  public void kvGet(KvGetRequest request, StreamObserver<KvGetReply> obs) {
    ByteString v = c.kv().get(request.getNamespace(), request.getKey());
    KvGetReply.Builder b = KvGetReply.newBuilder().setFound(v != null);
    if (v != null) {
      b.setValue(v);
    }
    Rpc.reply(obs, b.build());
  }

  @Override
  public void kvDelete(KvDeleteRequest request, StreamObserver<KvDeleteReply> obs) {
    Rpc.reply(
        obs,
        KvDeleteReply.newBuilder()
            .setDeleted(c.kv().delete(request.getNamespace(), request.getKey()))
            .build());
  }

  @Override
  public void kvKeys(KvKeysRequest request, StreamObserver<KvKeysReply> obs) {
    Rpc.reply(
        obs,
        KvKeysReply.newBuilder()
            .addAllKeys(c.kv().keys(request.getNamespace(), request.getPrefix()))
            .build());
  }

  @Override
  public void createPlacementGroup(
      io.glint.internal.proto.CreatePlacementGroupRequest request,
      StreamObserver<io.glint.internal.proto.CreatePlacementGroupReply> obs) {
    String error = c.placementGroups().create(request.getSpec());
    Rpc.reply(
        obs,
        io.glint.internal.proto.CreatePlacementGroupReply.newBuilder().setError(error).build());
  }

  @Override
  public void removePlacementGroup(
      io.glint.internal.proto.RemovePlacementGroupRequest request,
      StreamObserver<io.glint.internal.proto.RemovePlacementGroupReply> obs) {
    c.placementGroups().remove(request.getPlacementGroupId());
    Rpc.reply(obs, io.glint.internal.proto.RemovePlacementGroupReply.getDefaultInstance());
  }

  @Override
  public void waitPlacementGroup(
      io.glint.internal.proto.WaitPlacementGroupRequest request,
      StreamObserver<io.glint.internal.proto.PlacementGroupInfo> obs) {
    c.placementGroups()
        .await(request.getPlacementGroupId(), request.getTimeoutMs())
        .thenAccept(
            info -> {
              try {
                Rpc.reply(obs, info);
              } catch (RuntimeException ignored) {
                // the caller went away
              }
            });
  }

  @Override
  public void getAllActors(
      io.glint.internal.proto.GetAllActorsRequest request,
      StreamObserver<io.glint.internal.proto.GetAllActorsReply> obs) {
    Rpc.reply(
        obs,
        io.glint.internal.proto.GetAllActorsReply.newBuilder()
            .addAllActors(c.actors().all())
            .build());
  }

  @Override
  public void reportTaskEvents(
      io.glint.internal.proto.ReportTaskEventsRequest request,
      StreamObserver<io.glint.internal.proto.ReportTaskEventsReply> obs) {
    c.taskEvents().add(request);
    c.userMetrics().report(request.getWorkerId(), request.getMetricsList());
    Rpc.reply(obs, io.glint.internal.proto.ReportTaskEventsReply.getDefaultInstance());
  }

  @Override
  public void getTaskEvents(
      io.glint.internal.proto.GetTaskEventsRequest request,
      StreamObserver<io.glint.internal.proto.GetTaskEventsReply> obs) {
    Rpc.reply(obs, c.taskEvents().get(request.getLimit()));
  }

  @Override
  public void getUserMetrics(
      io.glint.internal.proto.GetUserMetricsRequest request,
      StreamObserver<io.glint.internal.proto.GetUserMetricsReply> obs) {
    Rpc.reply(
        obs,
        io.glint.internal.proto.GetUserMetricsReply.newBuilder()
            .addAllSeries(c.userMetrics().merged())
            .build());
  }

  @Override
  public void getPlacementGroups(
      io.glint.internal.proto.GetPlacementGroupsRequest request,
      StreamObserver<io.glint.internal.proto.GetPlacementGroupsReply> obs) {
    Rpc.reply(
        obs,
        io.glint.internal.proto.GetPlacementGroupsReply.newBuilder()
            .addAllGroups(
                c.placementGroups().find(request.getPlacementGroupId(), request.getName()))
            .build());
  }
}
