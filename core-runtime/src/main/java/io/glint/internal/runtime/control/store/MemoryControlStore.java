package io.glint.internal.runtime.control.store;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * State kept in memory only: a restart loses it (the embedded cluster, which restarts with the
 * driver).
 */
final class MemoryControlStore implements ControlStore {
  private final Map<Table, Map<String, byte[]>> tables = new EnumMap<>(Table.class);

  MemoryControlStore() {
    for (Table t : Table.values()) {
      tables.put(t, new ConcurrentHashMap<>());
    }
  }

  @Override
  public void put(Table table, String key, byte[] value) {
    tables.get(table).put(key, value);
  }

  @Override
  public void delete(Table table, String key) {
    tables.get(table).remove(key);
  }

  @Override
  public Map<String, byte[]> scan(Table table) {
    return Map.copyOf(tables.get(table));
  }

  @Override
  public String describe() {
    return "memory (not kept across restarts)";
  }

  @Override
  public void close() {}
}
