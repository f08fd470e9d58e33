package io.glint.internal.runtime.node;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.LogBatch;
import io.glint.internal.proto.LogLine;
import io.glint.internal.proto.ReadWorkerLogReply;
import io.glint.internal.proto.ReadWorkerLogRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Worker output: each line goes to {@code <logDir>/worker-<pid>.{out,err}} and to the drivers of
 * the worker's job that subscribed ({@code StreamWorkerLogs}).
 */
final class WorkerLogs {
  private final Path logDir;
  private final Executor io;
  private final ConcurrentHashMap<ByteString, CopyOnWriteArrayList<StreamObserver<LogBatch>>>
      subscribers = new ConcurrentHashMap<>();

  WorkerLogs(Path logDir, Executor io) {
    this.logDir = logDir;
    this.io = io;
  }

  Path logDir() {
    return logDir;
  }

  /** A part of a worker's stdout or stderr file, as {@code ReadWorkerLog} asks. */
  ReadWorkerLogReply read(ReadWorkerLogRequest r) {
    Path file = logDir.resolve("worker-" + r.getPid() + (r.getStderr() ? ".err" : ".out"));
    var reply = ReadWorkerLogReply.newBuilder();
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
      long size = ch.size();
      long length = r.getLength() <= 0 ? 64 << 10 : Math.min(r.getLength(), 1 << 20);
      long from =
          r.getOffset() < 0 ? Math.max(0, size + r.getOffset()) : Math.min(r.getOffset(), size);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(length, size - from));
      while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
        // read until full or at the end
      }
      buf.flip();
      return reply
          .setFound(true)
          .setData(ByteString.copyFrom(buf))
          .setOffset(from)
          .setSize(size)
          .build();
    } catch (IOException e) {
      return reply.setFound(false).build(); // no such log (or it cannot be read)
    }
  }

  /** Copies a worker's stream line by line until it ends (the process exits). */
  void pump(int pid, ByteString job, Supplier<String> actorName, InputStream in, boolean stderr) {
    io.execute(
        () -> {
          Path file = logDir.resolve("worker-" + pid + (stderr ? ".err" : ".out"));
          try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
              BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
              out.write(line);
              out.newLine();
              out.flush();
              publish(pid, job, actorName.get(), stderr, line);
            }
          } catch (IOException e) {
            // the process is gone
          }
        });
  }

  private void publish(int pid, ByteString job, String actorName, boolean stderr, String line) {
    List<StreamObserver<LogBatch>> subs = subscribers.get(job);
    if (subs == null || subs.isEmpty()) {
      return;
    }
    LogBatch batch =
        LogBatch.newBuilder()
            .addLines(
                LogLine.newBuilder()
                    .setPid(pid)
                    .setStderr(stderr)
                    .setLine(line)
                    .setActorName(actorName))
            .build();
    for (StreamObserver<LogBatch> s : subs) {
      synchronized (s) {
        try {
          s.onNext(batch);
        } catch (RuntimeException e) {
          subs.remove(s);
        }
      }
    }
  }

  void subscribe(ByteString job, StreamObserver<LogBatch> obs) {
    CopyOnWriteArrayList<StreamObserver<LogBatch>> subs =
        subscribers.computeIfAbsent(job, k -> new CopyOnWriteArrayList<>());
    subs.add(obs);
    if (obs instanceof ServerCallStreamObserver<LogBatch> sc) {
      sc.setOnCancelHandler(() -> subs.remove(obs));
    }
  }

  /** Ends every subscription. */
  void close() {
    for (var subs : subscribers.values()) {
      for (StreamObserver<LogBatch> s : subs) {
        synchronized (s) {
          try {
            s.onCompleted();
          } catch (RuntimeException ignored) {
            // gone
          }
        }
      }
    }
    subscribers.clear();
  }
}
