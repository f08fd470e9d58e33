package io.glint.internal.runtime.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.internal.proto.PushMessage;
import io.glint.internal.proto.TaskSpec;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Frames written in bursts, from one thread or several, arrive whole and in their order. */
class LocalFramesTest {
  @TempDir Path dir;
  private SocketChannel sending;
  private SocketChannel receiving;
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @BeforeEach
  void connect() throws IOException {
    Path p = dir.resolve("frames.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(p));
      sending = SocketChannel.open(UnixDomainSocketAddress.of(p));
      receiving = server.accept();
    }
    Files.deleteIfExists(p);
  }

  @AfterEach
  void close() throws IOException {
    pool.shutdownNow();
    sending.close();
    receiving.close();
  }

  private static PushMessage frame(String name) {
    return PushMessage.newBuilder().setTask(TaskSpec.newBuilder().setName(name)).build();
  }

  /** The names of the frames read until the end frame. */
  private Future<List<String>> readAll() {
    return pool.submit(
        () -> {
          LocalFrames.Reader in = new LocalFrames.Reader(receiving);
          List<String> got = new ArrayList<>();
          ByteBuffer f;
          while ((f = in.next()) != null && f.hasRemaining()) {
            got.add(PushMessage.parseFrom(f).getTask().getName());
          }
          return got;
        });
  }

  @Test
  void aBurstFromOneThreadArrivesInOrderWithLargeFramesAmongIt() throws Exception {
    Future<List<String>> got = readAll();
    LocalFrames.Writer out = new LocalFrames.Writer(sending, pool);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      String name =
          i == 7_000 ? "x".repeat(3 << 20) : i % 1000 == 0 ? "y".repeat(200_000) : "t" + i;
      sent.add(name);
      out.write(frame(name));
    }
    out.end();
    assertThat(got.get(60, TimeUnit.SECONDS)).isEqualTo(sent);
  }

  @Test
  void framesFromSeveralThreadsStayWholeAndInEachThreadsOrder() throws Exception {
    Future<List<String>> got = readAll();
    LocalFrames.Writer out = new LocalFrames.Writer(sending, pool);
    int threads = 4;
    int each = 5_000;
    List<Future<?>> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      senders.add(
          pool.submit(
              () -> {
                for (int i = 0; i < each; i++) {
                  out.write(frame(id + ":" + i + ":" + "p".repeat(i % 300)));
                }
                return null;
              }));
    }
    for (Future<?> f : senders) {
      f.get(60, TimeUnit.SECONDS);
    }
    out.end();
    int[] next = new int[threads];
    List<String> names = got.get(60, TimeUnit.SECONDS);
    assertThat(names).hasSize(threads * each);
    for (String n : names) {
      String[] parts = n.split(":");
      int t = Integer.parseInt(parts[0]);
      int i = Integer.parseInt(parts[1]);
      assertThat(i).isEqualTo(next[t]++);
      assertThat(parts.length == 3 ? parts[2] : "").isEqualTo("p".repeat(i % 300));
    }
  }

  @Test
  void sendsAfterThePeerWentAwayFailInsteadOfWaiting() throws Exception {
    LocalFrames.Writer out = new LocalFrames.Writer(sending, pool);
    receiving.close();
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 1_000_000; i++) {
                out.write(frame("after " + i));
              }
            })
        .isInstanceOf(IOException.class);
  }
}
