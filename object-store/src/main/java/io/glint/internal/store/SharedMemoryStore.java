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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A node's shared-memory object store: a directory on tmpfs holding the node's <em>arena</em> (one
 * sparse file of the store's capacity, mapped once by every process of the node that uses it, so
 * memory faulted in for one object is reused by the next without new page faults) and one entry per
 * sealed object: a symbolic link {@code <id> -> arena@<offset>} for an object in the arena, or a
 * file of its own (objects written outside the node daemon's allocation, and the daemon's fallback
 * when the arena is too fragmented).
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

  /** The arena's file name in the store directory. */
  public static final String ARENA_FILE = "arena";

  /** How an object's link names its place in the arena: {@code arena@<offset>}. */
  public static final String ARENA_LINK_PREFIX = ARENA_FILE + "@";

  private final Path dir;
  private final boolean owner;
  private final AtomicLong createdBytes = new AtomicLong();
  private final AtomicLong createdObjects = new AtomicLong();
  private volatile boolean closed;
  private volatile MemorySegment arenaMapping;

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
    return defaultRoot(0);
  }

  /**
   * Where stores of {@code needBytes} in all should live: {@code /dev/shm} when it is a writable
   * directory with that much room, else the system temp directory (a mapped file there works,
   * backed by disk). A store larger than its tmpfs would crash the process that first touches the
   * memory beyond it (SIGBUS), so a {@code /dev/shm} that is too small (a container's default 64
   * MiB, say) is not used, with a warning naming the sizes, as Ray does.
   */
  public static Path defaultRoot(long needBytes) {
    Path shm = Path.of("/dev/shm");
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    if (!Files.isDirectory(shm) || !Files.isWritable(shm)) {
      return tmp;
    }
    long room;
    try {
      room = Files.getFileStore(shm).getUsableSpace();
    } catch (IOException e) {
      return shm;
    }
    if (room >= needBytes) {
      return shm;
    }
    System.getLogger(SharedMemoryStore.class.getName())
        .log(
            System.Logger.Level.WARNING,
            "The object store uses "
                + tmp
                + " instead of /dev/shm: /dev/shm has "
                + ByteSizes.format(room)
                + " free and the store needs "
                + ByteSizes.format(needBytes)
                + ". This may slow objects down; give /dev/shm more room (e.g. docker run"
                + " --shm-size) or lower glint.objectStoreMemory.");
    return tmp;
  }

  /** Every directory a store may live in ({@link #defaultRoot(long)}'s choices). */
  public static List<Path> candidateRoots() {
    Path shm = Path.of("/dev/shm");
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    return Files.isDirectory(shm) ? List.of(shm, tmp) : List.of(tmp);
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
      writeHeader(seg, payloadBytes, format);
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
   * Opens the place the node daemon prepared for a new object ({@code
   * ObjectStoreManager.tryCreate}): with {@code arenaOffset >= 0} a range of the arena (through
   * this process's mapping of it, kept for the next object), else a file of its own. Writes the
   * header; {@link WritableObject#seal()} only releases the writer's view: the daemon publishes the
   * object.
   */
  public WritableObject openPrepared(Path file, long arenaOffset, long payloadBytes, byte format) {
    if (arenaOffset < 0) {
      return openPrepared(file, payloadBytes, format);
    }
    MemorySegment seg = arena().asSlice(arenaOffset, HEADER_BYTES + payloadBytes);
    writeHeader(seg, payloadBytes, format);
    return new WritableObject(
        file.getFileName().toString(), null, null, null, seg.asSlice(HEADER_BYTES));
  }

  private static void writeHeader(MemorySegment seg, long payloadBytes, byte format) {
    seg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, MAGIC);
    seg.set(ValueLayout.JAVA_BYTE, 4, VERSION);
    seg.set(ValueLayout.JAVA_BYTE, 5, format);
    seg.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, payloadBytes);
  }

  /**
   * This process's mapping of the arena (read-write; readers get read-only slices). Mapped on first
   * use and kept: it is unmapped when the store and every view of it are unreachable.
   */
  public MemorySegment arena() {
    MemorySegment m = arenaMapping;
    if (m == null) {
      synchronized (this) {
        m = arenaMapping;
        if (m == null) {
          m = mapArena(dir.resolve(ARENA_FILE), Arena.ofAuto());
          arenaMapping = m;
        }
      }
    }
    return m;
  }

  /** Maps a whole arena file read-write. */
  public static MemorySegment mapArena(Path file, Arena arena) {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      return ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot map the object store arena " + file, e);
    }
  }

  /** The arena offset named by an object's link target, or -1 when it names something else. */
  public static long arenaOffset(String linkTarget) {
    if (!linkTarget.startsWith(ARENA_LINK_PREFIX)) {
      return -1;
    }
    try {
      return Long.parseLong(linkTarget.substring(ARENA_LINK_PREFIX.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Maps a file prepared for a new object (no arena). */
  private static WritableObject openPrepared(Path file, long payloadBytes, byte format) {
    Arena arena = Arena.ofShared();
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MemorySegment seg =
          ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_BYTES + payloadBytes, arena);
      writeHeader(seg, payloadBytes, format);
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
    String link;
    try {
      link = Files.readSymbolicLink(path).toString();
    } catch (java.nio.file.NotLinkException e) {
      link = null;
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read object " + name + " in " + dir, e);
    }
    if (link != null) {
      long offset = arenaOffset(link);
      if (offset < 0) {
        throw new IllegalStateException("Object " + name + " links to " + link);
      }
      MemorySegment m = arena();
      MemorySegment header = m.asSlice(offset, HEADER_BYTES);
      if (header.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != MAGIC) {
        throw new IllegalStateException("Object " + name + " has no Glint header");
      }
      long payloadBytes = header.get(ValueLayout.JAVA_LONG_UNALIGNED, 8);
      return Optional.of(
          new ReadableObject(
              name,
              header.get(ValueLayout.JAVA_BYTE, 5),
              null,
              m.asSlice(offset + HEADER_BYTES, payloadBytes).asReadOnly(),
              true));
    }
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
          new ReadableObject(name, format, arena, seg.asSlice(HEADER_BYTES).asReadOnly(), false));
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
    return Files.exists(
        dir.resolve(HexFormat.of().formatHex(objectId)), java.nio.file.LinkOption.NOFOLLOW_LINKS);
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
      return s.filter(
              p ->
                  !p.getFileName().toString().endsWith(TMP_SUFFIX)
                      && !p.getFileName().toString().equals(ARENA_FILE))
          .count();
    } catch (IOException e) {
      return 0;
    }
  }

  /** Bytes of objects in files of their own (headers included); the arena is not counted. */
  public long usedBytes() {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().equals(ARENA_FILE))
          .filter(Files::isRegularFile)
          .mapToLong(
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
      if (arena != null) {
        arena.close();
      }
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
        if (arena != null) {
          arena.close();
        }
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
    private final boolean inArena;

    private ReadableObject(
        String name, byte format, Arena arena, MemorySegment payload, boolean inArena) {
      this.name = name;
      this.format = format;
      this.arena = arena;
      this.payload = payload;
      this.inArena = inArena;
    }

    /**
     * Whether the object lives in the arena. Its range is reused once the object is freed, so a
     * reader must hold the object (a pin) for as long as it reads it or hands out views of it.
     */
    public boolean inArena() {
      return inArena;
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
      if (arena != null) {
        closeQuietly(arena);
      }
    }
  }

  /** An object with this id was already created or sealed. Objects are immutable. */
  public static final class ObjectExistsException extends IllegalStateException {
    public ObjectExistsException(String name) {
      super("Object " + name + " already exists; sealed objects are immutable");
    }
  }
}
