package io.glint.internal.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A node's shared-memory object store: one file per sealed object in a directory on tmpfs, mapped
 * by every process of the node that reads it.
 *
 * <p>The node daemon {@link #createOwned creates} the directory and deletes it on {@link #close()};
 * workers and drivers on the same node {@link #attach attach} to it. An object is written through
 * {@link #create}, becomes visible to readers only when {@link WritableObject#seal sealed}, and is
 * immutable afterwards. {@link #get} maps it read-only; the mapping stays valid until the reader
 * closes it, even if the object is deleted meanwhile.
 *
 * <p>Each object file starts with a 16-byte header: magic {@code GLNT}, a version byte, the value
 * format byte, two reserved bytes, and the payload length (little endian long).
 */
public final class SharedMemoryStore implements AutoCloseable {
  /** Bytes before the payload in every object file. */
  public static final int HEADER_BYTES = 16;

  private static final int MAGIC = 0x544E4C47; // "GLNT" read little-endian
  private static final byte VERSION = 1;
  private static final String TMP_SUFFIX = ".creating";

  private final Path dir;
  private final boolean owner;
  private final AtomicLong createdBytes = new AtomicLong();
  private final AtomicLong createdObjects = new AtomicLong();
  private volatile boolean closed;

  private SharedMemoryStore(Path dir, boolean owner) {
    this.dir = dir;
    this.owner = owner;
  }

  /**
   * Creates the store directory (owner-only permissions) and returns the owning store. Prefer a
   * directory on tmpfs ({@link #defaultRoot()}).
   */
  public static SharedMemoryStore createOwned(Path dir) {
    try {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create object store directory " + dir, e);
    }
    return new SharedMemoryStore(dir, true);
  }

  /** Attaches to an existing store directory created by the node daemon. */
  public static SharedMemoryStore attach(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("Object store directory does not exist: " + dir);
    }
    return new SharedMemoryStore(dir, false);
  }

  /** {@code /dev/shm} when it is a writable directory, else the system temp directory. */
  public static Path defaultRoot() {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return shm;
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  public Path directory() {
    return dir;
  }

  /** Starts writing an object of {@code payloadBytes}; it is invisible until sealed. */
  public WritableObject create(byte[] objectId, long payloadBytes, byte format) {
    checkOpen();
    if (payloadBytes < 0) {
      throw new IllegalArgumentException("payload size must be >= 0, got " + payloadBytes);
    }
    String name = HexFormat.of().formatHex(objectId);
    Path finalPath = dir.resolve(name);
    if (Files.exists(finalPath)) {
      throw new ObjectExistsException(name);
    }
    Path tmp =
        dir.resolve(
            name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TMP_SUFFIX);
    Arena arena = Arena.ofShared();
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      long total = HEADER_BYTES + payloadBytes;
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
      seg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, MAGIC);
      seg.set(ValueLayout.JAVA_BYTE, 4, VERSION);
      seg.set(ValueLayout.JAVA_BYTE, 5, format);
      seg.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, payloadBytes);
      createdBytes.addAndGet(total);
      createdObjects.incrementAndGet();
      return new WritableObject(name, tmp, finalPath, arena, seg.asSlice(HEADER_BYTES));
    } catch (IOException e) {
      arena.close();
      deleteQuietly(tmp);
      throw new UncheckedIOException("Cannot create object " + name + " in " + dir, e);
    }
  }

  /** Writes {@code payload} as a sealed object in one step. */
  public void put(byte[] objectId, byte format, byte[] payload, int offset, int length) {
    WritableObject w = create(objectId, length, format);
    try {
      MemorySegment.copy(payload, offset, w.payload(), ValueLayout.JAVA_BYTE, 0, length);
      w.seal();
    } catch (RuntimeException e) {
      w.abort();
      throw e;
    }
  }

  /**
   * Maps a file the node daemon prepared for a new object ({@code ObjectStoreManager.tryCreate})
   * and writes its header. {@link WritableObject#seal()} only unmaps it: the daemon publishes it.
   */
  public static WritableObject openPrepared(Path file, long payloadBytes, byte format) {
    Arena arena = Arena.ofShared();
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MemorySegment seg =
          ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_BYTES + payloadBytes, arena);
      seg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, MAGIC);
      seg.set(ValueLayout.JAVA_BYTE, 4, VERSION);
      seg.set(ValueLayout.JAVA_BYTE, 5, format);
      seg.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, payloadBytes);
      return new WritableObject(
          file.getFileName().toString(), file, null, arena, seg.asSlice(HEADER_BYTES));
    } catch (IOException e) {
      arena.close();
      throw new UncheckedIOException("Cannot open prepared object file " + file, e);
    }
  }

  /** Maps a sealed object read-only; empty when it does not exist (yet, or any more). */
  public Optional<ReadableObject> get(byte[] objectId) {
    return get(objectId, false);
  }

  /**
   * As {@link #get(byte[])}; with {@code gcManaged} the mapping lives as long as any view of it is
   * reachable (for zero-copy values handed to user code), and {@code close()} does nothing.
   */
  public Optional<ReadableObject> get(byte[] objectId, boolean gcManaged) {
    checkOpen();
    String name = HexFormat.of().formatHex(objectId);
    Path path = dir.resolve(name);
    Arena arena = gcManaged ? Arena.ofAuto() : Arena.ofShared();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER_BYTES) {
        throw new IllegalStateException("Object " + name + " is truncated (" + size + " bytes)");
      }
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      if (seg.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != MAGIC) {
        throw new IllegalStateException("Object " + name + " has no Glint header");
      }
      byte format = seg.get(ValueLayout.JAVA_BYTE, 5);
      long payloadBytes = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
      if (payloadBytes != size - HEADER_BYTES) {
        throw new IllegalStateException(
            "Object "
                + name
                + " says "
                + payloadBytes
                + " payload bytes but holds "
                + (size - HEADER_BYTES));
      }
      return Optional.of(
          new ReadableObject(name, format, arena, seg.asSlice(HEADER_BYTES).asReadOnly()));
    } catch (NoSuchFileException e) {
      closeQuietly(arena);
      return Optional.empty();
    } catch (IOException e) {
      closeQuietly(arena);
      throw new UncheckedIOException("Cannot read object " + name + " in " + dir, e);
    } catch (RuntimeException e) {
      closeQuietly(arena);
      throw e;
    }
  }

  private static void closeQuietly(Arena arena) {
    try {
      arena.close();
    } catch (UnsupportedOperationException ignored) {
      // automatic arenas are closed by the GC
    }
  }

  public boolean contains(byte[] objectId) {
    return Files.exists(dir.resolve(HexFormat.of().formatHex(objectId)));
  }

  /** Deletes a sealed object; readers that mapped it keep their view. */
  public boolean delete(byte[] objectId) {
    try {
      return Files.deleteIfExists(dir.resolve(HexFormat.of().formatHex(objectId)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sealed objects currently stored. */
  public long objectCount() {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().endsWith(TMP_SUFFIX)).count();
    } catch (IOException e) {
      return 0;
    }
  }

  /** Bytes of sealed objects currently stored (headers included). */
  public long usedBytes() {
    try (Stream<Path> s = Files.list(dir)) {
      return s.mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException e) {
      return 0;
    }
  }

  /** Objects ever created through this instance. */
  public long createdObjects() {
    return createdObjects.get();
  }

  /** For the owner: deletes every object and the directory. For others: detaches. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (owner) {
      try (Stream<Path> s = Files.list(dir)) {
        s.forEach(SharedMemoryStore::deleteQuietly);
      } catch (IOException ignored) {
        // directory already gone
      }
      deleteQuietly(dir);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("Object store " + dir + " is closed");
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** An object being written. Seal it to publish it, or abort it. */
  public static final class WritableObject implements AutoCloseable {
    private final String name;
    private final Path tmp;
    private final Path target;
    private final Arena arena;
    private final MemorySegment payload;
    private boolean done;

    private WritableObject(String name, Path tmp, Path target, Arena arena, MemorySegment payload) {
      this.name = name;
      this.tmp = tmp;
      this.target = target;
      this.arena = arena;
      this.payload = payload;
    }

    /** The writable payload region (valid until seal or abort). */
    public MemorySegment payload() {
      return payload;
    }

    /** Publishes the object: from now on readers see it, and nobody may change it. */
    public void seal() {
      if (done) {
        throw new IllegalStateException("Object " + name + " already sealed or aborted");
      }
      done = true;
      arena.close();
      if (target == null) {
        return; // prepared by the daemon, which publishes it
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException e) {
        deleteQuietly(tmp);
        throw new ObjectExistsException(name);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IllegalStateException("Store directory does not support atomic rename", e);
      } catch (IOException e) {
        deleteQuietly(tmp);
        throw new UncheckedIOException("Cannot seal object " + name, e);
      }
    }

    /** Drops the unfinished object (a daemon-prepared file is left for the daemon to free). */
    public void abort() {
      if (!done) {
        done = true;
        arena.close();
        if (target != null) {
          deleteQuietly(tmp);
        }
      }
    }

    @Override
    public void close() {
      abort();
    }
  }

  /** A read-only view of a sealed object. Close it to release the mapping. */
  public static final class ReadableObject implements AutoCloseable {
    private final String name;
    private final byte format;
    private final Arena arena;
    private final MemorySegment payload;

    private ReadableObject(String name, byte format, Arena arena, MemorySegment payload) {
      this.name = name;
      this.format = format;
      this.arena = arena;
      this.payload = payload;
    }

    public String name() {
      return name;
    }

    public byte format() {
      return format;
    }

    /** The payload, read-only, straight from the mapping. */
    public MemorySegment payload() {
      return payload;
    }

    public long size() {
      return payload.byteSize();
    }

    @Override
    public void close() {
      closeQuietly(arena);
    }
  }

  /** An object with this id was already created or sealed. Objects are immutable. */
  public static final class ObjectExistsException extends IllegalStateException {
    public ObjectExistsException(String name) {
      super("Object " + name + " already exists; sealed objects are immutable");
    }
  }
}
