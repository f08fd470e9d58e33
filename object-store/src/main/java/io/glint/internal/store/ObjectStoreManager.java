package io.glint.internal.store;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node daemon's accounting of its shared-memory store: what is stored, how many bytes, what may
 * be moved out to make room. Processes write and read object files themselves (see {@link
 * SharedMemoryStore}); this class decides where they write and when objects leave memory.
 *
 * <ul>
 *   <li><b>Capacity</b>: in-memory objects plus recycled files never exceed it. A create that can
 *       never fit is refused with the sizes; one that cannot fit now waits (see {@link
 *       #tryCreate}).
 *   <li><b>Spilling</b>: to make room, sealed objects no running task holds ({@link #pin}) are
 *       copied to local disk, least recently used first, and restored on the next {@link #pin}.
 *   <li><b>Reuse</b>: a freed object's file is kept (up to a limit) and handed to the next create
 *       of a similar size, so its memory is faulted in once and reused.
 * </ul>
 *
 * <p>Not thread-safe: the daemon calls it under its own lock.
 */
public final class ObjectStoreManager implements AutoCloseable {
  /** How the store is laid out and bounded. */
  public record Options(
      Path memoryDir, Path spillDir, long capacityBytes, long recycleLimitBytes) {}

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
  }

  /** The answer to a create. */
  public sealed interface CreateResult {
    /** Write the object (header + payload) to {@code path}, then {@link #seal}. */
    record Ready(Path path) implements CreateResult {}

    /** Not now: room may come when objects are freed or unpinned. */
    record Wait(String why) implements CreateResult {}

    /** Never: the object is larger than the store. */
    record TooLarge(String why) implements CreateResult {}
  }

  private final Options options;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final TreeMap<Long, ArrayDeque<Path>> recycled = new TreeMap<>();
  private long recycledBytes;
  private long used;
  private long peakUsed;
  private long clock;
  private long spilledBytesTotal;
  private long restoredBytesTotal;
  private long evictionsTotal;
  private long createdTotal;
  private long recycleSeq;

  public ObjectStoreManager(Options options) {
    this.options = options;
    try {
      Files.createDirectories(options.memoryDir());
      Files.createDirectories(options.spillDir());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String name(byte[] objectId) {
    return HexFormat.of().formatHex(objectId);
  }

  /**
   * Reserves room for an object of {@code payloadBytes}. Makes room by dropping recycled files and
   * spilling unpinned objects when needed.
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
              + payloadBytes
              + " bytes can never fit in this node's object store of "
              + options.capacityBytes()
              + " bytes (set glint.objectStoreMemory to raise it)");
    }
    Path reuse = takeRecycled(need);
    long reuseBytes = reuse == null ? 0 : fileSize(reuse);
    if (used - reuseBytes + need > options.capacityBytes()
        && !makeRoom(used - reuseBytes + need - options.capacityBytes())) {
      if (reuse != null) {
        putRecycled(reuse, reuseBytes);
      }
      return new CreateResult.Wait(
          "the object store is full: "
              + payloadBytes
              + " bytes wanted, "
              + used
              + " of "
              + options.capacityBytes()
              + " used, "
              + pinnedBytes()
              + " held by running tasks or being written");
    }
    Path target = options.memoryDir().resolve(name + ".creating");
    try {
      if (reuse != null) {
        used -= reuseBytes;
        Files.move(reuse, target, StandardCopyOption.ATOMIC_MOVE);
      }
      try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
        f.setLength(need);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare object file " + target, e);
    }
    Entry en = new Entry(name, need, owner);
    en.lastUse = ++clock;
    entries.put(name, en);
    used += need;
    peakUsed = Math.max(peakUsed, used);
    createdTotal++;
    return new CreateResult.Ready(target);
  }

  /** Publishes a written object: readers see it from now on. */
  public void seal(byte[] objectId) {
    Entry en = entries.get(name(objectId));
    if (en == null || en.state != State.CREATING) {
      throw new IllegalStateException("object " + name(objectId) + " is not being created");
    }
    try {
      Files.move(
          options.memoryDir().resolve(en.name + ".creating"),
          options.memoryDir().resolve(en.name),
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot seal object " + en.name, e);
    }
    en.state = State.SEALED;
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
      Entry en = entries.get(name(id));
      if (en != null && en.pins > 0) {
        en.pins--;
      }
    }
  }

  /** Deletes an object; its memory file is kept for reuse when there is room for it. */
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
    used -= en.fileBytes;
    if (recycledBytes + en.fileBytes <= options.recycleLimitBytes()) {
      Path r = options.memoryDir().resolve("recycled-" + (++recycleSeq));
      try {
        Files.move(file, r, StandardCopyOption.ATOMIC_MOVE);
        putRecycled(r, en.fileBytes);
        used += en.fileBytes;
      } catch (IOException e) {
        deleteQuietly(file);
      }
    } else {
      deleteQuietly(file);
    }
    return true;
  }

  public Entry entry(byte[] objectId) {
    return entries.get(name(objectId));
  }

  /** Frees {@code bytes}: recycled files first, then spills, least recently used first. */
  private boolean makeRoom(long bytes) {
    long freed = 0;
    while (freed < bytes && !recycled.isEmpty()) {
      Map.Entry<Long, ArrayDeque<Path>> largest = recycled.lastEntry();
      Path p = largest.getValue().poll();
      if (largest.getValue().isEmpty()) {
        recycled.remove(largest.getKey());
      }
      recycledBytes -= largest.getKey();
      used -= largest.getKey();
      freed += largest.getKey();
      deleteQuietly(p);
    }
    if (freed >= bytes) {
      return true;
    }
    List<Entry> candidates = new ArrayList<>();
    for (Entry en : entries.values()) {
      if (en.state == State.SEALED && en.pins == 0) {
        candidates.add(en);
      }
    }
    candidates.sort((a, b) -> Long.compare(a.lastUse, b.lastUse));
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
      spill(en);
      freed += en.fileBytes;
    }
    return true;
  }

  private void spill(Entry en) {
    Path from = options.memoryDir().resolve(en.name);
    Path to = spillPath(en);
    try {
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      Files.delete(from);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot spill object " + en.name + " to " + to, e);
    }
    en.state = State.SPILLED;
    used -= en.fileBytes;
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
              + en.fileBytes
              + " bytes): the store is full of objects held by running tasks");
    }
    Path to = options.memoryDir().resolve(en.name);
    try {
      Path tmp = options.memoryDir().resolve(en.name + ".restoring");
      Files.copy(spillPath(en), tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
      Files.delete(spillPath(en));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot restore object " + en.name, e);
    }
    en.state = State.SEALED;
    used += en.fileBytes;
    peakUsed = Math.max(peakUsed, used);
    restoredBytesTotal += en.fileBytes;
  }

  private Path spillPath(Entry en) {
    return options.spillDir().resolve(en.name);
  }

  /** The recycled file that best fits {@code need}: the smallest at least as large, else none. */
  private Path takeRecycled(long need) {
    Map.Entry<Long, ArrayDeque<Path>> fit = recycled.ceilingEntry(need);
    if (fit == null || fit.getKey() > 2 * need + (1 << 20)) {
      return null;
    }
    Path p = fit.getValue().poll();
    if (fit.getValue().isEmpty()) {
      recycled.remove(fit.getKey());
    }
    recycledBytes -= fit.getKey();
    return p;
  }

  private void putRecycled(Path p, long size) {
    recycled.computeIfAbsent(size, k -> new ArrayDeque<>()).add(p);
    recycledBytes += size;
  }

  private long pinnedBytes() {
    long b = 0;
    for (Entry en : entries.values()) {
      if (en.state != State.SPILLED && (en.pins > 0 || en.state == State.CREATING)) {
        b += en.fileBytes;
      }
    }
    return b;
  }

  private static long fileSize(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
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

  public long recycledBytes() {
    return recycledBytes;
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
    recycled.clear();
  }
}
