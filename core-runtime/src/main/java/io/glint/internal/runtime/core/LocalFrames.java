package io.glint.internal.runtime.core;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.glint.internal.runtime.common.Grpc;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;

/**
 * The wire of a local task stream: each frame is a 4-byte big-endian length and that many bytes of
 * one protobuf message. The first frame a client sends holds the cluster token; an empty frame ends
 * the sender's half of the stream (so an end of file without one means the peer went away).
 *
 * <p>Buffers are direct and reused: a burst of frames costs one {@code write} call (see {@link
 * Writer}) and one {@code read} call; a frame over 64 KiB is read into a heap buffer of its own.
 */
final class LocalFrames {
  /** The largest frame either side accepts: the same limit as a gRPC message. */
  static final int MAX_FRAME = Grpc.MAX_MESSAGE_BYTES;

  /** Frames up to this size reuse one buffer; larger ones get a buffer of their own. */
  private static final int REUSED = 1 << 20;

  private LocalFrames() {}

  /**
   * Writes frames to one channel. A frame sent when the channel has been quiet goes out at once,
   * from the sending thread (a round trip pays no hop). A frame sent within {@link #BURST_NANOS} of
   * the one before, or while another write is under way, joins the frames waiting and goes out with
   * them in one {@code write}, from {@code flusher} or from the thread already writing: a burst of
   * small frames costs a few system calls, not one each, as gRPC's event loop gathers messages.
   * Frames keep the order they were sent in, each whole.
   *
   * <p>No lock is held while writing, and a sender waits only when {@link #MAX_WAITING} bytes are
   * waiting (then it waits for them to go out, which is backpressure as a blocking write gives). A
   * failed write closes the channel; the sends after it throw.
   */
  static final class Writer {
    /** A frame sent this soon after the previous one waits to go out with the frames after it. */
    static final long BURST_NANOS = 20_000;

    /** Bytes waiting beyond which a sender waits until they went out. */
    static final int MAX_WAITING = 1 << 20;

    private final SocketChannel channel;
    private final Executor flusher;

    /** Frames not yet written, from 0 to position; swapped with {@code spare} for each write. */
    private ByteBuffer waiting = ByteBuffer.allocateDirect(16 * 1024);

    private ByteBuffer spare = ByteBuffer.allocateDirect(16 * 1024);

    /** A thread is writing, or a flush is queued on {@code flusher}. */
    private boolean writing;

    private long lastSendNanos = Long.MIN_VALUE / 2;
    private IOException broken;

    /** {@code flusher}: where bursts are written from. */
    Writer(SocketChannel channel, Executor flusher) {
      this.channel = channel;
      this.flusher = java.util.Objects.requireNonNull(flusher);
    }

    void write(MessageLite m) throws IOException {
      int n = m.getSerializedSize();
      if (n > MAX_FRAME) {
        throw new IOException(
            "a task stream message of " + n + " bytes is over the limit of " + MAX_FRAME);
      }
      Sender who;
      synchronized (this) {
        ByteBuffer b = room(n);
        int start = b.position();
        try {
          b.putInt(n);
          CodedOutputStream out = CodedOutputStream.newInstance(b);
          m.writeTo(out);
          out.flush();
        } catch (IOException | RuntimeException e) {
          b.position(start); // no part of the frame stays among the waiting ones
          throw e;
        }
        who = claim();
      }
      if (who == Sender.FLUSHER) {
        try {
          flusher.execute(this::flushQuietly);
          return;
        } catch (java.util.concurrent.RejectedExecutionException e) {
          who = Sender.THIS_THREAD; // shutting down: write from this thread
        }
      }
      if (who == Sender.THIS_THREAD) {
        flush();
      }
    }

    /** Who writes a frame just added: this thread, the flusher, or the thread already writing. */
    private enum Sender {
      THIS_THREAD,
      FLUSHER,
      THE_ONE_WRITING
    }

    /**
     * {@link #write(MessageLite)} for a stream's observer: a failed write closes the channel (the
     * peer's reader then ends too) and is reported as gRPC reports a broken stream.
     */
    void writeOrBreak(MessageLite m) {
      try {
        write(m);
      } catch (IOException e) {
        LocalTaskServer.closeQuietly(channel);
        throw io.grpc.Status.UNAVAILABLE.withDescription("task socket: " + e).asRuntimeException();
      }
    }

    /** A frame of raw bytes (the token), written before this returns. */
    void write(byte[] bytes) throws IOException {
      synchronized (this) {
        room(bytes.length).putInt(bytes.length).put(bytes);
      }
      flushAll();
    }

    /** The empty frame that ends this side's half of the stream, after every frame before it. */
    void end() throws IOException {
      synchronized (this) {
        room(0).putInt(0);
      }
      flushAll();
      channel.shutdownOutput();
    }

    /**
     * Makes room for a frame of {@code n} bytes after those waiting (the caller holds the lock),
     * first waiting for them to go out when too many are waiting.
     */
    private ByteBuffer room(int n) throws IOException {
      while (writing && waiting.position() >= MAX_WAITING) {
        awaitWriter();
      }
      checkNotBroken(); // a failed write leaves the writing free, so the wait above ends
      if (waiting.remaining() < n + 4) {
        long need = (long) waiting.position() + n + 4;
        ByteBuffer bigger =
            need > REUSED
                ? ByteBuffer.allocate((int) need)
                : ByteBuffer.allocateDirect(
                    (int) Math.min(REUSED, Math.max(need, 2L * waiting.capacity())));
        waiting.flip();
        bigger.put(waiting);
        waiting = bigger;
      }
      return waiting;
    }

    /** Who writes the frame just added (the writing is then theirs). Called with the lock held. */
    private Sender claim() {
      long now = System.nanoTime();
      boolean burst = now - lastSendNanos < BURST_NANOS;
      lastSendNanos = now;
      if (writing) {
        return Sender.THE_ONE_WRITING;
      }
      writing = true;
      return burst ? Sender.FLUSHER : Sender.THIS_THREAD;
    }

    /** Writes everything waiting, taking the writing over when another thread has it. */
    private void flushAll() throws IOException {
      synchronized (this) {
        while (writing) {
          awaitWriter();
        }
        checkNotBroken();
        writing = true;
      }
      flush();
    }

    /** Sends fail once a write has failed (the lock is held). */
    private void checkNotBroken() throws IOException {
      if (broken != null) {
        throw new IOException("an earlier write failed: " + broken.getMessage(), broken);
      }
    }

    /** Waits for the writing thread to make progress (the lock is held). */
    private void awaitWriter() throws java.io.InterruptedIOException {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted waiting to write a task frame");
      }
    }

    private void flushQuietly() {
      try {
        flush();
      } catch (IOException e) {
        // the channel is closed: its reader reports the broken stream, later sends throw
      }
    }

    /** Writes what is waiting until nothing is; the caller owns the writing. */
    private void flush() throws IOException {
      while (true) {
        ByteBuffer out;
        synchronized (this) {
          if (waiting.position() == 0) {
            writing = false;
            notifyAll();
            return;
          }
          out = waiting;
          waiting = spare.clear();
          spare = out;
          notifyAll(); // senders waiting for room
        }
        out.flip();
        try {
          while (out.hasRemaining()) {
            channel.write(out);
          }
        } catch (IOException e) {
          synchronized (this) {
            broken = e;
            writing = false;
            notifyAll();
          }
          LocalTaskServer.closeQuietly(channel);
          throw e;
        }
        if (!out.isDirect()) { // a large frame's own buffer is not kept
          synchronized (this) {
            spare = ByteBuffer.allocateDirect(16 * 1024);
          }
        }
      }
    }
  }

  /**
   * Reads frames from one channel, from one thread. Reads take what is there (up to a buffer), so a
   * burst of small frames costs one {@code read} call, not two per frame.
   */
  static final class Reader {
    private static final int BUFFER = 64 * 1024;

    private final SocketChannel channel;

    /** Bytes read and not yet returned: from position to limit. */
    private ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER).flip();

    Reader(SocketChannel channel) {
      this.channel = channel;
    }

    /**
     * The next frame's bytes (valid until the next call; empty for the peer's end frame), or null
     * when the channel ended without one.
     */
    ByteBuffer next() throws IOException {
      if (!fill(4, true)) {
        return null;
      }
      int n = buffer.getInt(buffer.position());
      if (n < 0 || n > MAX_FRAME) {
        throw new IOException(
            "a task stream frame claims " + n + " bytes (limit " + MAX_FRAME + ")");
      }
      if (n + 4 > buffer.capacity()) {
        return large(n);
      }
      fill(n + 4, false);
      int start = buffer.position() + 4;
      buffer.position(start + n);
      return buffer.slice(start, n);
    }

    /** A frame bigger than the buffer: what was read already, then the rest straight into it. */
    private ByteBuffer large(int n) throws IOException {
      ByteBuffer frame = ByteBuffer.allocate(n);
      buffer.position(buffer.position() + 4);
      frame.put(buffer);
      buffer.clear().flip();
      while (frame.hasRemaining()) {
        if (channel.read(frame) < 0) {
          throw new EOFException("the task stream ended inside a frame");
        }
      }
      return frame.flip();
    }

    /**
     * Reads until {@code k} bytes are buffered; false at an end of file before any byte of them
     * when {@code endOk}.
     */
    private boolean fill(int k, boolean endOk) throws IOException {
      if (buffer.remaining() >= k) {
        return true;
      }
      boolean none = !buffer.hasRemaining();
      buffer.compact();
      try {
        while (buffer.position() < k) {
          if (channel.read(buffer) < 0) {
            if (endOk && none && buffer.position() == 0) {
              return false;
            }
            throw new EOFException("the task stream ended inside a frame");
          }
        }
      } finally {
        buffer.flip();
      }
      return true;
    }
  }
}
