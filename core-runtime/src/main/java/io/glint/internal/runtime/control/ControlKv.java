package io.glint.internal.runtime.control;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The cluster's key-value store (Ray's internal KV): namespaces of sorted keys, kept in storage.
 */
final class ControlKv {
  private static final char SEP = '\u0000';

  private final ControlState state;
  private final ConcurrentHashMap<String, ConcurrentSkipListMap<String, ByteString>> spaces =
      new ConcurrentHashMap<>();

  ControlKv(ControlState state) {
    this.state = state;
  }

  void recover(Map<String, byte[]> rows) {
    rows.forEach(
        (k, v) -> {
          int i = k.indexOf(SEP);
          if (i >= 0) {
            space(k.substring(0, i)).put(k.substring(i + 1), ByteString.copyFrom(v));
          }
        });
  }

  private ConcurrentSkipListMap<String, ByteString> space(String namespace) {
    return spaces.computeIfAbsent(namespace, k -> new ConcurrentSkipListMap<>());
  }

  /** Whether the key was added (false: it existed, and was kept unless {@code overwrite}). */
  boolean put(String namespace, String key, ByteString value, boolean overwrite) {
    var m = space(namespace);
    synchronized (m) {
      ByteString before = overwrite ? m.put(key, value) : m.putIfAbsent(key, value);
      if (overwrite || before == null) {
        state.kvPut(namespace + SEP + key, value);
      }
      return before == null;
    }
  }

  ByteString get(String namespace, String key) {
    return space(namespace).get(key);
  }

  boolean delete(String namespace, String key) {
    var m = space(namespace);
    synchronized (m) {
      boolean deleted = m.remove(key) != null;
      if (deleted) {
        state.kvDelete(namespace + SEP + key);
      }
      return deleted;
    }
  }

  List<String> keys(String namespace, String prefix) {
    List<String> out = new ArrayList<>();
    for (String k : space(namespace).tailMap(prefix).keySet()) {
      if (!k.startsWith(prefix)) {
        break;
      }
      out.add(k);
    }
    return out;
  }
}
