package io.glint.internal.runtime.control.store;

import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Where the control service keeps the state a restart must not lose: nodes, jobs, actors, placement
 * groups and the key-value store, as rows of a few tables. Every write is durable when the call
 * returns (it survives the control process being killed), so the service writes through on each
 * change and reads everything back once when it starts.
 *
 * <p>Open one with {@link #open(String)}: {@code memory} (nothing survives: the embedded cluster),
 * a file path (an embedded H2 MVStore file on the head's disk), or {@code redis://host:port}
 * (Redis, for a head that can move; provided by the {@code glint-control-redis} module).
 */
public interface ControlStore extends AutoCloseable {

  /** The tables the control service keeps. */
  enum Table {
    NODES,
    JOBS,
    ACTORS,
    PLACEMENT_GROUPS,
    KV,
    META;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Writes one row, durably. */
  void put(Table table, String key, byte[] value);

  /** Deletes one row, durably; absent rows are ignored. */
  void delete(Table table, String key);

  /** Every row of a table. */
  Map<String, byte[]> scan(Table table);

  /** Where the state lives, for logs and errors. */
  String describe();

  @Override
  void close();

  /** Storage kinds found by {@link ServiceLoader} (Redis lives in its own module). */
  interface Provider {
    /** Whether this provider handles {@code spec} (for example by its URI scheme). */
    boolean accepts(String spec);

    ControlStore open(String spec);
  }

  /**
   * Opens the storage {@code spec} names: {@code memory} or empty, a file path (optionally {@code
   * file:}-prefixed) for the embedded store, or a URI a {@link Provider} accepts.
   */
  static ControlStore open(String spec) {
    String s = spec == null ? "" : spec.strip();
    if (s.isEmpty() || s.equals("memory")) {
      return new MemoryControlStore();
    }
    for (Provider p : ServiceLoader.load(Provider.class)) {
      if (p.accepts(s)) {
        return p.open(s);
      }
    }
    if (s.startsWith("redis://") || s.startsWith("rediss://")) {
      throw new IllegalArgumentException(
          "control storage '"
              + s
              + "' needs the glint-control-redis module on the control service's class path");
    }
    if (s.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      throw new IllegalArgumentException(
          "unknown control storage '" + s + "': use 'memory', a file path, or redis://host:port");
    }
    return MvControlStore.open(Path.of(s.startsWith("file:") ? s.substring(5) : s));
  }
}
