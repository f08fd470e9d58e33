package io.glint.internal.runtime.control.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * State in one H2 MVStore file on the head's disk: an embedded, append-only, crash-safe key-value
 * engine (a pure Java jar, no native code). Each write commits, so a control process killed with
 * {@code kill -9} loses nothing it acknowledged; the file is locked while open, so two control
 * services cannot share it by mistake.
 */
final class MvControlStore implements ControlStore {
  private final Path file;
  private final MVStore store;
  private final Map<Table, MVMap<String, byte[]>> maps = new EnumMap<>(Table.class);

  private MvControlStore(Path file, MVStore store) {
    this.file = file;
    this.store = store;
    for (Table t : Table.values()) {
      maps.put(t, store.openMap(t.key()));
    }
  }

  static MvControlStore open(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directory of control storage " + file, e);
    }
    try {
      MVStore s =
          new MVStore.Builder()
              .fileName(file.toAbsolutePath().toString())
              .autoCommitDisabled()
              .compress()
              .open();
      return new MvControlStore(file, s);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot open control storage " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void put(Table table, String key, byte[] value) {
    maps.get(table).put(key, value);
    store.commit();
  }

  @Override
  public synchronized void delete(Table table, String key) {
    if (maps.get(table).remove(key) != null) {
      store.commit();
    }
  }

  @Override
  public synchronized Map<String, byte[]> scan(Table table) {
    return new LinkedHashMap<>(maps.get(table));
  }

  @Override
  public String describe() {
    return "embedded MVStore file " + file.toAbsolutePath();
  }

  @Override
  public synchronized void close() {
    if (!store.isClosed()) {
      store.close();
    }
  }
}
