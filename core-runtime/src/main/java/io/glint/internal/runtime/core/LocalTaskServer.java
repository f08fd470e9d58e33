package io.glint.internal.runtime.core;

import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.PushReply;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A worker's task streams from processes on its own node, over a Unix domain socket: the same
 * {@code PushTasks} exchange as its gRPC service, without HTTP/2 framing or a hop through an event
 * loop. Each connection is read by a thread of its own. A task that finds the worker's task thread
 * idle runs on the reading thread itself, which first hands the reading to another thread (one hop
 * fewer on the round trip); other messages go to the executor as from the gRPC transport thread.
 * Results are written by whichever thread finishes them (bursts gathered, see {@link
 * LocalFrames.Writer}).
 *
 * <p>Writes block while the peer's socket buffer is full, so one rule keeps the two sides from
 * waiting on each other: the thread reading a connection never writes, nor waits for a lock that a
 * writer holds while it writes (it only hands work on). Then a submitter blocked writing tasks is
 * always unblocked by this reader, and a worker blocked writing results is unblocked by the
 * submitter's reader once that reader's own writes went through.
 *
 * <p>Closed by default: the socket file is readable and writable by its owner only, and a
 * connection must first send the cluster token (within {@link #TOKEN_WAIT_SECONDS}) or is closed.
 */
final class LocalTaskServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LocalTaskServer.class.getName());
  static final int TOKEN_WAIT_SECONDS = 10;

  private final Path path;
  private final ServerSocketChannel server;
  private final byte[] token;
  private final Function<StreamObserver<PushReply>, StreamObserver<PushMessage>> service;
  private final ExecutorService threads;
  private final ScheduledExecutorService timer;

  private LocalTaskServer(
      Path path,
      ServerSocketChannel server,
      String token,
      Function<StreamObserver<PushReply>, StreamObserver<PushMessage>> service,
      ExecutorService threads,
      ScheduledExecutorService timer) {
    this.path = path;
    this.server = server;
    this.token = token.getBytes(StandardCharsets.US_ASCII);
    this.service = service;
    this.threads = threads;
    this.timer = timer;
  }

  /**
   * Listens on {@code path} (replacing a stale socket file there) and serves each connection with
   * {@code service}, as gRPC would call it.
   */
  static LocalTaskServer start(
      Path path,
      String token,
      Function<StreamObserver<PushReply>, StreamObserver<PushMessage>> service,
      ExecutorService threads,
      ScheduledExecutorService timer)
      throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(path));
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    LocalTaskServer s = new LocalTaskServer(path, server, token, service, threads, timer);
    threads.execute(s::acceptLoop);
    return s;
  }

  Path path() {
    return path;
  }

  private void acceptLoop() {
    Thread.currentThread().setName("glint-local-tasks-accept");
    while (server.isOpen()) {
      try {
        SocketChannel c = server.accept();
        threads.execute(() -> serve(c));
      } catch (IOException e) {
        if (server.isOpen()) {
          LOG.log(System.Logger.Level.WARNING, "local task socket " + path + " failed", e);
        }
        return;
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return; // shut down
      }
    }
  }

  private void serve(SocketChannel c) {
    Thread.currentThread().setName("glint-local-tasks");
    var deadline = timer.schedule(() -> closeQuietly(c), TOKEN_WAIT_SECONDS, TimeUnit.SECONDS);
    LocalFrames.Reader in = new LocalFrames.Reader(c);
    StreamObserver<PushMessage> requests;
    try {
      ByteBuffer first = in.next();
      deadline.cancel(false);
      if (first == null || !tokenMatches(first)) {
        closeQuietly(c);
        return;
      }
      requests = service.apply(new ReplyWriter(c, threads));
    } catch (IOException | RuntimeException e) {
      closeQuietly(c);
      return;
    }
    readFrames(c, in, requests);
  }

  /**
   * Delivers the connection's frames until it ends, or until a task runs on this thread (see {@link
   * TaskExecutor#deliverHere}): then another thread goes on reading from where this one stopped.
   */
  private void readFrames(
      SocketChannel c, LocalFrames.Reader in, StreamObserver<PushMessage> requests) {
    try {
      ByteBuffer f;
      while ((f = in.next()) != null) {
        if (!f.hasRemaining()) {
          requests.onCompleted();
          return; // the reply side closes the channel when it ends
        }
        PushMessage m = PushMessage.parseFrom(f);
        if (!m.hasTask()) {
          requests.onNext(m);
        } else if (TaskExecutor.deliverHere(
            () -> requests.onNext(m), () -> threads.execute(() -> readFrames(c, in, requests)))) {
          return;
        }
      }
      requests.onError(Status.CANCELLED.withDescription("the submitter went away").asException());
      closeQuietly(c);
    } catch (IOException | RuntimeException e) {
      requests.onError(Status.UNAVAILABLE.withDescription(e.toString()).asException());
      closeQuietly(c);
    }
  }

  private boolean tokenMatches(ByteBuffer frame) {
    byte[] got = new byte[frame.remaining()];
    frame.get(got);
    return MessageDigest.isEqual(got, token);
  }

  static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // already closed
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // its directory went first
    }
  }

  /** The reply half of one connection. */
  private static final class ReplyWriter implements StreamObserver<PushReply> {
    private final SocketChannel channel;
    private final LocalFrames.Writer out;

    ReplyWriter(SocketChannel channel, Executor flusher) {
      this.channel = channel;
      this.out = new LocalFrames.Writer(channel, flusher);
    }

    @Override
    public void onNext(PushReply reply) {
      out.writeOrBreak(reply);
    }

    @Override
    public void onError(Throwable t) {
      closeQuietly(channel);
    }

    @Override
    public void onCompleted() {
      try {
        out.end();
      } catch (IOException ignored) {
        // the submitter is gone already
      }
      closeQuietly(channel);
    }
  }
}
