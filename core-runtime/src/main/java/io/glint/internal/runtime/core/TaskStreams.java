package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.PushReply;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.glint.internal.runtime.common.ChannelPool;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Ids;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * Opens this process's task streams: to a worker on this process's own node over the worker's Unix
 * domain socket ({@link LocalTaskServer}), to any other over gRPC. A local round trip skips HTTP/2
 * framing and two hops through event loops (see BENCHMARKS.md); the tasks, results and their order
 * are the same either way.
 *
 * <p>{@code GLINT_LOCAL_TASK_STREAMS=off} (or {@code -Dglint.localTaskStreams=off}) makes this
 * process's streams use gRPC only; workers still listen on their sockets.
 */
final class TaskStreams implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TaskStreams.class.getName());
  static final String PROPERTY = "glint.localTaskStreams";
  static final String ENV = "GLINT_LOCAL_TASK_STREAMS";

  /** A Unix domain socket's path must fit in 108 bytes, its terminating zero included. */
  private static final int MAX_SOCKET_PATH = 100;

  private final ByteString nodeId;
  private final String token;
  private final ChannelPool channels;
  private final boolean useLocal;
  private final Set<LocalTaskClient> open = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "glint-local-tasks");
            t.setDaemon(true);
            return t;
          });
  private volatile LocalTaskServer server;

  TaskStreams(ByteString nodeId, String token, ChannelPool channels) {
    this(nodeId, token, channels, enabled());
  }

  TaskStreams(ByteString nodeId, String token, ChannelPool channels, boolean useLocal) {
    this.nodeId = nodeId;
    this.token = token;
    this.channels = channels;
    this.useLocal = useLocal;
  }

  static boolean enabled() {
    return !GlintConfig.switchedOff(System.getProperty(PROPERTY, System.getenv(ENV)));
  }

  /** Opens a stream to the worker at {@code to}; replies go to {@code replies}. */
  StreamObserver<PushMessage> open(Address to, StreamObserver<PushReply> replies) {
    if (useLocal && !to.getLocalSocket().isEmpty() && to.getNodeId().equals(nodeId)) {
      try {
        return LocalTaskClient.connect(Path.of(to.getLocalSocket()), token, replies, threads, open);
      } catch (IOException | RuntimeException e) {
        // A worker that just exited removed its socket; gRPC reports that as a broken stream.
        LOG.log(System.Logger.Level.DEBUG, "local task socket " + to.getLocalSocket(), e);
      }
    }
    return WorkerServiceGrpc.newStub(channels.get(to)).pushTasks(replies);
  }

  /**
   * Serves task streams for this worker on a socket in {@code dir} (the node's store directory,
   * private to the session); returns {@code address} with the socket named, or as it was when the
   * socket cannot be made.
   */
  Address serve(
      Address address,
      Path dir,
      Function<StreamObserver<PushReply>, StreamObserver<PushMessage>> service,
      ScheduledExecutorService timer) {
    Path path = dir.resolve("tasks-" + Ids.hex(address.getWorkerId()) + ".sock").toAbsolutePath();
    if (path.toString().length() > MAX_SOCKET_PATH) {
      path = dir.resolve("t-" + Ids.hex(address.getWorkerId()).substring(0, 12)).toAbsolutePath();
    }
    if (path.toString().length() > MAX_SOCKET_PATH) {
      return address;
    }
    try {
      server = LocalTaskServer.start(path, token, service, threads, timer);
      return address.toBuilder().setLocalSocket(path.toString()).build();
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "no local task socket at " + path + ": " + e);
      return address;
    }
  }

  /**
   * Ends every open local stream (its worker drops the tasks it has not started) and the server.
   */
  @Override
  public void close() {
    LocalTaskServer s = server;
    if (s != null) {
      s.close();
    }
    for (LocalTaskClient c : List.copyOf(open)) {
      c.onError(new IllegalStateException("this process shut down"));
    }
    threads.shutdown();
  }
}
