package io.glint.internal.runtime.core;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.glint.internal.runtime.common.Grpc;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The wire of a local task stream: each frame is a 4-byte big-endian length and that many bytes of
 * one protobuf message. The first frame a client sends holds the cluster token; an empty frame ends
 * the sender's half of the stream (so an end of file without one means the peer went away).
 *
 * <p>Buffers are direct and reused: a frame costs one {@code write} call, and a burst of frames one
 * {@code read} call; a frame over 64 KiB is read into a heap buffer of its own.
 */
final class LocalFrames {
  /** The largest frame either side accepts: the same limit as a gRPC message. */
  static final int MAX_FRAME = Grpc.MAX_MESSAGE_BYTES;

  /** Frames up to this size reuse one buffer; larger ones get a buffer of their own. */
  private static final int REUSED = 1 << 20;

  private LocalFrames() {}

  /** Writes frames to one channel, one at a time. */
  static final class Writer {
    private final SocketChannel channel;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(16 * 1024);

    Writer(SocketChannel channel) {
      this.channel = channel;
    }

    synchronized void write(MessageLite m) throws IOException {
      int n = m.getSerializedSize();
      if (n > MAX_FRAME) {
        throw new IOException(
            "a task stream message of " + n + " bytes is over the limit of " + MAX_FRAME);
      }
      ByteBuffer b = bufferFor(n);
      b.putInt(n);
      CodedOutputStream out = CodedOutputStream.newInstance(b);
      m.writeTo(out);
      out.flush();
      send(b);
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

    /** A frame of raw bytes (the token). */
    synchronized void write(byte[] bytes) throws IOException {
      ByteBuffer b = bufferFor(bytes.length);
      b.putInt(bytes.length).put(bytes);
      send(b);
    }

    /** The empty frame that ends this side's half of the stream. */
    synchronized void end() throws IOException {
      send(bufferFor(0).putInt(0));
      channel.shutdownOutput();
    }

    private ByteBuffer bufferFor(int n) {
      if (n + 4 > buffer.capacity()) {
        if (n + 4 > REUSED) {
          return ByteBuffer.allocate(n + 4);
        }
        buffer = ByteBuffer.allocateDirect(REUSED);
      }
      return buffer.clear();
    }

    private void send(ByteBuffer b) throws IOException {
      b.flip();
      while (b.hasRemaining()) {
        channel.write(b);
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
