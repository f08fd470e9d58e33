package io.glint.internal.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node daemon's accounting of its shared-memory store: what is stored, how many bytes, what may
 * be moved out to make room. Processes write and read object files themselves (see {@link
 * SharedMemoryStore}); this class decides where they write and when objects leave memory.
 *
 * <ul>
 *   <li><b>Arena</b>: objects live in ranges of one sparse file of the store's capacity ({@link
 *       SharedMemoryStore#ARENA_FILE}), allocated best-fit. Every process maps the arena once, so a
 *       freed range is reused by the next object without new page faults; memory is faulted in only
 *       as the store first grows. Should the arena be too fragmented for an object that fits the
 *       capacity, the object gets a file of its own.
 *   <li><b>Capacity</b>: in-memory objects never exceed it. A create that can never fit is refused
 *       with the sizes; one that cannot fit now waits (see {@link #tryCreate}).
 *   <li><b>Spilling</b>: to make room, sealed objects nobody holds ({@link #pin}) are copied to
 *       local disk, least recently used first, and restored on the next {@link #pin}.
 *   <li><b>Holding</b>: a deleted object that is still pinned (a running task or a zero-copy view
 *       reads it) keeps its range until the last unpin, so nobody's view changes under them.
 * </ul>
 *
 * <p>Not thread-safe: the daemon calls it under its own lock.
 */
public final class ObjectStoreManager implements AutoCloseable {
  /** How the store is laid out and bounded. */
  public record Options(Path memoryDir, Path spillDir, long capacityBytes) {}

  /** Where an object's bytes live now. */
  public enum State {
    CREATING,
    SEALED,
    SPILLED
  }

  /** One stored object. */
  public static final class Entry {
    final String name;
    final long fileBytes;
    final byte[] owner;
    State state = State.CREATING;
    int pins;
    long lastUse;

    /**
     * A copy of an object whose primary lives on another node: under pressure it is dropped (it can
     * be pulled again), not spilled, and it goes before primaries.
     */
    boolean secondary;

    /** Where the object starts in the arena; -1 when it has a file of its own. */
    long offset = -1;

    Entry(String name, long fileBytes, byte[] owner) {
      this.name = name;
      this.fileBytes = fileBytes;
      this.owner = owner;
    }

    public String name() {
      return name;
    }

    public long sizeBytes() {
      return fileBytes - SharedMemoryStore.HEADER_BYTES;
    }

    public byte[] owner() {
      return owner;
    }

    public State state() {
      return state;
    }

    public boolean pinned() {
      return pins > 0;
    }

    public boolean secondary() {
      return secondary;
    }
  }

  /** The answer to a create. */
  public sealed interface CreateResult {
    /**
     * Write the object (header + payload) at {@code arenaOffset} of the arena file {@code path},
     * or, with {@code arenaOffset} -1, into the file {@code path}; then {@link #seal}.
     */
    record Ready(Path path, long arenaOffset) implements CreateResult {}

    /** Not now: room may come when objects are freed or unpinned. */
    record Wait(String why) implements CreateResult {}

    /** Never: the object is larger than the store. */
    record TooLarge(String why) implements CreateResult {}
  }

  private final Options options;
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  /** Deleted objects whose range stays allocated until their last pin goes. */
  private final Map<String, Entry> held = new HashMap<>();

  private final RangeAllocator allocator;
  private final Path arenaFile;
  private final Arena arenaScope = Arena.ofShared();
  private final MemorySegment arena;
  private long used;
  private long peakUsed;
  private long clock;
  private long spilledBytesTotal;
  private long restoredBytesTotal;
  private long evictionsTotal;
  private long createdTotal;
  private long ownFiles;

  public ObjectStoreManager(Options options) {
    this.options = options;
    this.allocator = new RangeAllocator(options.capacityBytes());
    this.arenaFile = options.memoryDir().resolve(SharedMemoryStore.ARENA_FILE);
    try {
      Files.createDirectories(options.memoryDir());
      Files.createDirectories(options.spillDir());
      // Sparse: no memory is used until objects are written.
      try (RandomAccessFile f = new RandomAccessFile(arenaFile.toFile(), "rw")) {
        f.setLength(allocator.capacity());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.arena =
        allocator.capacity() == 0
            ? MemorySegment.NULL
            : SharedMemoryStore.mapArena(arenaFile, arenaScope);
  }

  public static String name(byte[] objectId) {
    return HexFormat.of().formatHex(objectId);
  }

  /**
   * Reserves room for an object of {@code payloadBytes}. Makes room by spilling unpinned objects
   * when needed.
   */
  public CreateResult tryCreate(byte[] objectId, long payloadBytes, byte[] owner) {
    String name = name(objectId);
    if (entries.containsKey(name)) {
      throw new SharedMemoryStore.ObjectExistsException(name);
    }
    long need = SharedMemoryStore.HEADER_BYTES + payloadBytes;
    if (need > options.capacityBytes()) {
      return new CreateResult.TooLarge(
          "an object of "
              + ByteSizes.format(payloadBytes)
              + " can never fit in this node's object store of "
              + ByteSizes.format(options.capacityBytes())
              + " (set glint.objectStoreMemory to raise it)");
    }
    if (used + need > options.capacityBytes() && !makeRoom(used + need - options.capacityBytes())) {
      return new CreateResult.Wait(
          "the object store is full: "
              + ByteSizes.format(payloadBytes)
              + " wanted, "
              + ByteSizes.format(used)
              + " of "
              + ByteSizes.format(options.capacityBytes())
              + " used, "
              + ByteSizes.format(pinnedBytes())
              + " held by running tasks, readers or writers");
    }
    Entry en = new Entry(name, need, owner);
    en.offset = allocateInArena(need);
    Path target;
    if (en.offset >= 0) {
      target = arenaFile;
    } else {
      // The arena is too fragmented for this object: it gets a file of its own.
      target = options.memoryDir().resolve(name + ".creating");
      try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
        f.setLength(need);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot prepare object file " + target, e);
      }
      ownFiles++;
    }
    en.lastUse = ++clock;
    entries.put(name, en);
    used += need;
    peakUsed = Math.max(peakUsed, used);
    createdTotal++;
    return new CreateResult.Ready(target, en.offset);
  }

  /**
   * A range of the arena for {@code bytes}, spilling least recently used objects while the free
   * space is too fragmented; -1 when none can be had.
   */
  private long allocateInArena(long bytes) {
    long size = RangeAllocator.align(bytes);
    long offset = allocator.allocate(size);
    while (offset < 0) {
      Entry victim = leastRecentlyUsedInArena();
      if (victim == null) {
        return -1;
      }
      evict(victim);
      offset = allocator.allocate(size);
    }
    return offset;
  }

  /** The least recently used sealed object in the arena that nobody holds; null if none. */
  private Entry leastRecentlyUsedInArena() {
    Entry best = null;
    for (Entry en : entries.values()) {
      if (en.state == State.SEALED
          && en.pins == 0
          && en.offset >= 0
          && (best == null
              || (en.secondary && !best.secondary)
              || (en.secondary == best.secondary && en.lastUse < best.lastUse))) {
        best = en;
      }
    }
    return best;
  }

  /** Publishes a written object: readers see it from now on. */
  public void seal(byte[] objectId) {
    Entry en = entries.get(name(objectId));
    if (en == null || en.state != State.CREATING) {
      throw new IllegalStateException("object " + name(objectId) + " is not being created");
    }
    try {
      publish(en);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot seal object " + en.name, e);
    }
    en.state = State.SEALED;
  }

  /** Makes a written object visible under its name: a link to its range, or its own file. */
  private void publish(Entry en) throws IOException {
    Path name = options.memoryDir().resolve(en.name);
    if (en.offset >= 0) {
      Files.createSymbolicLink(name, Path.of(SharedMemoryStore.ARENA_LINK_PREFIX + en.offset));
    } else {
      Files.move(
          options.memoryDir().resolve(en.name + ".creating"), name, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /**
   * Keeps objects in memory for a running task, restoring spilled ones. Returns the ids that are
   * not stored here. Fails when a spilled object cannot be brought back for lack of room.
   */
  public List<byte[]> pin(List<byte[]> objectIds) {
    List<byte[]> missing = new ArrayList<>();
    for (byte[] id : objectIds) {
      Entry en = entries.get(name(id));
      if (en == null) {
        missing.add(id);
        continue;
      }
      if (en.state == State.SPILLED) {
        restore(en);
      }
      en.pins++;
      en.lastUse = ++clock;
    }
    return missing;
  }

  public void unpin(List<byte[]> objectIds) {
    for (byte[] id : objectIds) {
      String name = name(id);
      Entry en = entries.get(name);
      if (en == null) {
        en = held.get(name);
        if (en != null && --en.pins <= 0) {
          held.remove(name);
          releaseMemory(en);
        }
        continue;
      }
      if (en.pins > 0) {
        en.pins--;
      }
    }
  }

  /**
   * Deletes an object. Its name goes at once; its memory is released now, or at the last unpin when
   * a reader still holds it.
   */
  public boolean delete(byte[] objectId) {
    Entry en = entries.remove(name(objectId));
    if (en == null) {
      return false;
    }
    if (en.state == State.SPILLED) {
      deleteQuietly(spillPath(en));
      return true;
    }
    Path file =
        options.memoryDir().resolve(en.state == State.CREATING ? en.name + ".creating" : en.name);
    if (en.offset >= 0) {
      if (en.state == State.SEALED) {
        deleteQuietly(file); // the link
      }
      if (en.pins > 0) {
        held.put(en.name, en);
        return true;
      }
    } else {
      deleteQuietly(file); // mappings of it stay valid: the file is gone, not reused
    }
    releaseMemory(en);
    return true;
  }

  private void releaseMemory(Entry en) {
    if (en.offset >= 0) {
      allocator.release(en.offset, RangeAllocator.align(en.fileBytes));
      en.offset = -1;
    }
    used -= en.fileBytes;
  }

  public Entry entry(byte[] objectId) {
    return entries.get(name(objectId));
  }

  /** Frees {@code bytes} by spilling objects nobody holds, least recently used first. */
  private boolean makeRoom(long bytes) {
    long freed = 0;
    List<Entry> candidates = new ArrayList<>();
    for (Entry en : entries.values()) {
      if (en.state == State.SEALED && en.pins == 0) {
        candidates.add(en);
      }
    }
    // Copies of other nodes' objects go first (dropped, not written to disk), then LRU.
    candidates.sort(
        (a, b) ->
            a.secondary != b.secondary
                ? (a.secondary ? -1 : 1)
                : Long.compare(a.lastUse, b.lastUse));
    long spillable = 0;
    for (Entry en : candidates) {
      spillable += en.fileBytes;
    }
    if (freed + spillable < bytes) {
      return false;
    }
    Iterator<Entry> it = candidates.iterator();
    while (freed < bytes && it.hasNext()) {
      Entry en = it.next();
      evict(en);
      freed += en.fileBytes;
    }
    return true;
  }

  /** Makes room by dropping a secondary copy or spilling a primary. */
  private void evict(Entry en) {
    if (en.secondary) {
      delete(HexFormat.of().parseHex(en.name));
      evictionsTotal++;
    } else {
      spill(en);
    }
  }

  /** Marks an object as a copy of another node's (see {@link Entry#secondary}). */
  public void markSecondary(byte[] objectId) {
    Entry en = entries.get(name(objectId));
    if (en != null) {
      en.secondary = true;
    }
  }

  /** Whether a sealed (or spilled) copy of the object is here. */
  public boolean contains(byte[] objectId) {
    Entry en = entries.get(name(objectId));
    return en != null && en.state != State.CREATING;
  }

  private void spill(Entry en) {
    Path from = options.memoryDir().resolve(en.name);
    Path to = spillPath(en);
    try {
      if (en.offset >= 0) {
        try (FileChannel out =
            FileChannel.open(
                to,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
          transfer(arena.asSlice(en.offset, en.fileBytes), out, true);
        }
      } else {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.delete(from);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot spill object " + en.name + " to " + to, e);
    }
    en.state = State.SPILLED;
    releaseMemory(en);
    spilledBytesTotal += en.fileBytes;
    evictionsTotal++;
  }

  private void restore(Entry en) {
    if (used + en.fileBytes > options.capacityBytes()
        && !makeRoom(used + en.fileBytes - options.capacityBytes())) {
      throw new IllegalStateException(
          "cannot restore spilled object "
              + en.name
              + " ("
              + ByteSizes.format(en.fileBytes)
              + "): the store is full of objects held by running tasks");
    }
    Path to = options.memoryDir().resolve(en.name);
    en.offset = allocateInArena(en.fileBytes);
    try {
      if (en.offset >= 0) {
        try (FileChannel in = FileChannel.open(spillPath(en), StandardOpenOption.READ)) {
          transfer(arena.asSlice(en.offset, en.fileBytes), in, false);
        }
        publish(en);
      } else {
        Path tmp = options.memoryDir().resolve(en.name + ".restoring");
        Files.copy(spillPath(en), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
        ownFiles++;
      }
      Files.delete(spillPath(en));
    } catch (IOException e) {
      if (en.offset >= 0) {
        allocator.release(en.offset, RangeAllocator.align(en.fileBytes));
        en.offset = -1;
      }
      throw new UncheckedIOException("Cannot restore object " + en.name, e);
    }
    en.state = State.SEALED;
    used += en.fileBytes;
    peakUsed = Math.max(peakUsed, used);
    restoredBytesTotal += en.fileBytes;
  }

  /** Copies a range of the arena to a file, or a file into a range, in chunks of at most 1 GiB. */
  private static void transfer(MemorySegment range, FileChannel ch, boolean toFile)
      throws IOException {
    long chunk = 1L << 30;
    for (long pos = 0; pos < range.byteSize(); pos += chunk) {
      var buf = range.asSlice(pos, Math.min(chunk, range.byteSize() - pos)).asByteBuffer();
      while (buf.hasRemaining()) {
        int n = toFile ? ch.write(buf) : ch.read(buf);
        if (n < 0) {
          throw new IOException("spill file ends early");
        }
      }
    }
  }

  private Path spillPath(Entry en) {
    return options.spillDir().resolve(en.name);
  }

  private long pinnedBytes() {
    long b = 0;
    for (Entry en : entries.values()) {
      if (en.state != State.SPILLED && (en.pins > 0 || en.state == State.CREATING)) {
        b += en.fileBytes;
      }
    }
    for (Entry en : held.values()) {
      b += en.fileBytes;
    }
    return b;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort
    }
  }

  public long capacityBytes() {
    return options.capacityBytes();
  }

  public long usedBytes() {
    return used;
  }

  public long peakUsedBytes() {
    return peakUsed;
  }

  /**
   * Arena memory already faulted in and free now: the next objects reuse it without page faults.
   * Not counted in {@link #usedBytes()}.
   */
  public long recycledBytes() {
    long inArenaUsed = allocator.capacity() - allocator.freeBytes();
    return Math.max(0, allocator.highWater() - inArenaUsed);
  }

  /** Objects that got a file of their own because the arena was too fragmented. */
  public long ownFileObjectsTotal() {
    return ownFiles;
  }

  public long objectCount() {
    return entries.size();
  }

  public long spilledObjects() {
    return entries.values().stream().filter(e -> e.state == State.SPILLED).count();
  }

  public long spilledBytesTotal() {
    return spilledBytesTotal;
  }

  public long restoredBytesTotal() {
    return restoredBytesTotal;
  }

  public long evictionsTotal() {
    return evictionsTotal;
  }

  public long createdTotal() {
    return createdTotal;
  }

  public List<Entry> entries() {
    return List.copyOf(entries.values());
  }

  /** Deletes everything on disk this store wrote. */
  @Override
  public void close() {
    for (Path dir : new Path[] {options.memoryDir(), options.spillDir()}) {
      try (var s = Files.list(dir)) {
        s.forEach(ObjectStoreManager::deleteQuietly);
      } catch (IOException ignored) {
        // gone
      }
      deleteQuietly(dir);
    }
    entries.clear();
    held.clear();
    try {
      arenaScope.close();
    } catch (IllegalStateException ignored) {
      // still in use by a spill on another thread: unmapped when the process exits
    }
  }
}
