package io.glint.it;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** Remote functions reading stored buffers. */
public final class StoreFns {
  private StoreFns() {}

  /** {@code size} bytes of a pattern that depends on {@code seed}. */
  public static byte[] pattern(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 31 + seed * 7);
    }
    return b;
  }

  /**
   * How a task sees a large buffer argument: its flags, the file its memory is mapped from (read
   * from /proc/self/maps: proof that it is a view of the store, not a copy), a strided checksum.
   */
  public record View(
      boolean readOnly, boolean direct, String backingFile, long capacity, double sample) {}

  public static View inspect(DoubleBuffer buf) throws IOException {
    double sample = 0;
    for (int i = 0; i < buf.capacity(); i += 1024) {
      sample += buf.get(i);
    }
    return new View(
        buf.isReadOnly(),
        buf.isDirect(),
        mappedFile(MemorySegment.ofBuffer(buf).address()),
        buf.capacity(),
        sample);
  }

  /**
   * The file mapped at {@code address} in this process, or "" for anonymous memory. In a node's
   * arena, the store entry of the object whose bytes hold the address ({@code <store dir>/<object
   * id>}): proof that the memory is that stored object's, in place.
   */
  public static String mappedFile(long address) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
      String[] f = line.trim().split("\\s+", 6);
      String[] range = f[0].split("-");
      long start = Long.parseUnsignedLong(range[0], 16);
      long end = Long.parseUnsignedLong(range[1], 16);
      if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
        String path = f.length == 6 ? f[5] : "";
        if (path.endsWith("/arena")) {
          return arenaObject(Path.of(path), address - start + Long.parseLong(f[2], 16));
        }
        return path;
      }
    }
    return "";
  }

  private static String arenaObject(Path arena, long offset) throws IOException {
    try (var entries = Files.list(arena.getParent());
        var file = new java.io.RandomAccessFile(arena.toFile(), "r")) {
      for (Path link : (Iterable<Path>) entries::iterator) {
        if (!Files.isSymbolicLink(link)) {
          continue;
        }
        String target = Files.readSymbolicLink(link).toString();
        if (!target.startsWith("arena@")) {
          continue;
        }
        long at = Long.parseLong(target.substring("arena@".length()));
        file.seek(at + 8);
        long size = Long.reverseBytes(file.readLong());
        if (offset >= at + 16 && offset < at + 16 + size) {
          return link.toString();
        }
      }
    }
    return arena.toString();
  }

  public static byte[] bytes(int n, byte fill) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, fill);
    return b;
  }

  public static int firstByte(byte[] b) {
    return b[0];
  }

  public static long sumOf(ByteBuffer b) {
    long s = 0;
    for (int i = 0; i < b.limit(); i += 4096) {
      s += b.get(i);
    }
    return s;
  }

  /** Where a Java task sees an Arrow column (the mapped file) and its sum. */
  public record ArrowView(String backingFile, int rows, double sum) {}

  public static ArrowView arrowInspect(org.apache.arrow.vector.VectorSchemaRoot table)
      throws IOException {
    try (table) {
      var x = (org.apache.arrow.vector.Float8Vector) table.getVector("x");
      double sum = 0;
      for (int i = 0; i < table.getRowCount(); i++) {
        sum += x.get(i);
      }
      return new ArrowView(mappedFile(x.getDataBuffer().memoryAddress()), table.getRowCount(), sum);
    }
  }

  /** A new table: the first {@code n} values of x, plus one. */
  public static org.apache.arrow.vector.VectorSchemaRoot arrowHead(
      org.apache.arrow.vector.VectorSchemaRoot table, int n) {
    try (table) {
      var x = (org.apache.arrow.vector.Float8Vector) table.getVector("x");
      var out =
          new org.apache.arrow.vector.Float8Vector(
              "x", new org.apache.arrow.memory.RootAllocator());
      out.allocateNew(n);
      for (int i = 0; i < n; i++) {
        out.set(i, x.get(i) + 1);
      }
      out.setValueCount(n);
      return org.apache.arrow.vector.VectorSchemaRoot.of(out);
    }
  }
}
