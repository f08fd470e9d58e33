package io.glint.dashboard;

import com.google.common.util.concurrent.ListenableFuture;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.GetWorkerStatsRequest;
import io.glint.internal.proto.GetWorkersRequest;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.NodeServiceGrpc;
import io.glint.internal.proto.ReadWorkerLogReply;
import io.glint.internal.proto.ReadWorkerLogRequest;
import io.glint.internal.proto.WorkerProcessInfo;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.glint.internal.proto.WorkerStats;
import io.glint.internal.runtime.common.ChannelPool;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Worker processes as the dashboard shows them: each node lists its workers (state, actor, resident
 * memory) and each worker tells its heap and the tasks it runs, asked all at once with a short
 * deadline so one slow worker does not hold a page. Also reads worker log files through their node.
 */
final class WorkerSource implements AutoCloseable {
  /** A worker as its node and (when it answered) the worker itself describe it. */
  record Worker(NodeInfo node, WorkerProcessInfo process, WorkerStats stats) {}

  private final ChannelPool nodes;
  private final ChannelPool workers;

  WorkerSource(String token) {
    this.nodes = new ChannelPool(token, null);
    this.workers = new ChannelPool(token, null);
  }

  private NodeServiceGrpc.NodeServiceFutureStub node(Address a) {
    return NodeServiceGrpc.newFutureStub(nodes.get(a)).withDeadlineAfter(3, TimeUnit.SECONDS);
  }

  /** Every live worker of the live nodes; a node or worker that does not answer is left out. */
  List<Worker> workers(List<NodeInfo> nodeList) {
    List<NodeInfo> live = nodeList.stream().filter(NodeInfo::getAlive).toList();
    List<ListenableFuture<io.glint.internal.proto.GetWorkersReply>> lists = new ArrayList<>();
    for (NodeInfo n : live) {
      lists.add(node(n.getAddress()).getWorkers(GetWorkersRequest.getDefaultInstance()));
    }
    List<NodeInfo> owners = new ArrayList<>();
    List<WorkerProcessInfo> procs = new ArrayList<>();
    for (int i = 0; i < live.size(); i++) {
      var reply = await(lists.get(i));
      if (reply != null) {
        for (WorkerProcessInfo w : reply.getWorkersList()) {
          owners.add(live.get(i));
          procs.add(w);
        }
      }
    }
    List<ListenableFuture<WorkerStats>> stats = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (WorkerProcessInfo w : procs) {
      if (!w.hasAddress()) {
        stats.add(null);
        continue;
      }
      seen.add(w.getAddress().getHost() + ":" + w.getAddress().getPort());
      stats.add(
          WorkerServiceGrpc.newFutureStub(workers.get(w.getAddress()))
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .getWorkerStats(GetWorkerStatsRequest.getDefaultInstance()));
    }
    List<Worker> out = new ArrayList<>();
    for (int i = 0; i < procs.size(); i++) {
      out.add(
          new Worker(
              owners.get(i), procs.get(i), stats.get(i) == null ? null : await(stats.get(i))));
    }
    workers.retainOnly(seen); // workers come and go: no channel outlives its worker for long
    return out;
  }

  /** A part of a worker's log on {@code node}; {@code found} is false when there is none. */
  ReadWorkerLogReply readLog(Address node, int pid, boolean stderr, long offset, long length) {
    try {
      return NodeServiceGrpc.newBlockingStub(nodes.get(node))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .readWorkerLog(
              ReadWorkerLogRequest.newBuilder()
                  .setPid(pid)
                  .setStderr(stderr)
                  .setOffset(offset)
                  .setLength(length)
                  .build());
    } catch (StatusRuntimeException e) {
      return ReadWorkerLogReply.getDefaultInstance();
    }
  }

  private static <T> T await(ListenableFuture<T> f) {
    try {
      return f.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      f.cancel(true);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Override
  public void close() {
    nodes.close();
    workers.close();
  }
}
