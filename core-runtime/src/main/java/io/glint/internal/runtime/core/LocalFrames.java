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
 * <p>Buffers are direct and reused, so a frame costs one {@code write} and one or two {@code read}
 * calls and no copy on the Java heap beyond the message itself.
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

  /** Reads frames from one channel, from one thread. */
  static final class Reader {
    private final SocketChannel channel;
    private final ByteBuffer header = ByteBuffer.allocateDirect(4);
    private ByteBuffer buffer = ByteBuffer.allocateDirect(16 * 1024);

    Reader(SocketChannel channel) {
      this.channel = channel;
    }

    /**
     * The next frame's bytes (valid until the next call; empty for the peer's end frame), or null
     * when the channel ended without one.
     */
    ByteBuffer next() throws IOException {
      header.clear();
      if (!fill(header)) {
        return null;
      }
      int n = header.getInt(0);
      if (n < 0 || n > MAX_FRAME) {
        throw new IOException(
            "a task stream frame claims " + n + " bytes (limit " + MAX_FRAME + ")");
      }
      ByteBuffer b;
      if (n <= buffer.capacity()) {
        b = buffer;
      } else if (n <= REUSED) {
        b = buffer = ByteBuffer.allocateDirect(REUSED);
      } else {
        b = ByteBuffer.allocate(n);
      }
      b.clear().limit(n);
      if (!fill(b)) {
        throw new EOFException("the task stream ended inside a frame");
      }
      return b.flip();
    }

    /** False at an end of file before the first byte. */
    private boolean fill(ByteBuffer b) throws IOException {
      int start = b.position();
      while (b.hasRemaining()) {
        if (channel.read(b) < 0) {
          if (b.position() == start) {
            return false;
          }
          throw new EOFException("the task stream ended inside a frame");
        }
      }
      return true;
    }
  }
}
