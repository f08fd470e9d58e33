package io.glint.internal.runtime.core;

import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.PushReply;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The submitter's half of a task stream over a worker's Unix domain socket ({@link
 * LocalTaskServer}): tasks are written by the thread that sends them (bursts gathered, see {@link
 * LocalFrames.Writer}), replies read by a thread of the stream's own and handed to {@code replies}
 * as gRPC would.
 */
final class LocalTaskClient implements StreamObserver<PushMessage> {
  private final SocketChannel channel;
  private final LocalFrames.Writer out;
  private final Set<LocalTaskClient> open;
  private volatile boolean aborted;

  private LocalTaskClient(SocketChannel channel, Executor flusher, Set<LocalTaskClient> open) {
    this.channel = channel;
    this.out = new LocalFrames.Writer(channel, flusher);
    this.open = open;
  }

  /**
   * Connects to the worker's socket at {@code path} and presents {@code token}; replies are read,
   * and bursts of tasks written, on {@code readers}. {@code open} holds the stream until it ends.
   */
  static LocalTaskClient connect(
      Path path,
      String token,
      StreamObserver<PushReply> replies,
      Executor readers,
      Set<LocalTaskClient> open)
      throws IOException {
    SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path));
    LocalTaskClient client = new LocalTaskClient(c, readers, open);
    try {
      client.out.write(token.getBytes(StandardCharsets.US_ASCII));
      open.add(client);
      readers.execute(() -> client.read(replies));
    } catch (IOException | RuntimeException e) {
      open.remove(client);
      LocalTaskServer.closeQuietly(c);
      throw e instanceof IOException io ? io : new IOException(e);
    }
    return client;
  }

  private void read(StreamObserver<PushReply> replies) {
    LocalFrames.Reader in = new LocalFrames.Reader(channel);
    try {
      ByteBuffer f;
      while ((f = in.next()) != null) {
        if (!f.hasRemaining()) {
          replies.onCompleted();
          return;
        }
        replies.onNext(PushReply.parseFrom(f));
      }
      replies.onError(
          Status.UNAVAILABLE.withDescription("the worker closed its task socket").asException());
    } catch (IOException | RuntimeException e) {
      replies.onError(
          (aborted ? Status.CANCELLED : Status.UNAVAILABLE)
              .withDescription("task socket: " + e)
              .asException());
    } finally {
      open.remove(this);
      LocalTaskServer.closeQuietly(channel);
    }
  }

  @Override
  public void onNext(PushMessage m) {
    out.writeOrBreak(m);
  }

  /** Ends the stream abruptly: the worker drops the tasks it has not started. */
  @Override
  public void onError(Throwable t) {
    aborted = true;
    LocalTaskServer.closeQuietly(channel);
  }

  @Override
  public void onCompleted() {
    try {
      out.end();
    } catch (IOException e) {
      LocalTaskServer.closeQuietly(channel);
    }
  }
}
