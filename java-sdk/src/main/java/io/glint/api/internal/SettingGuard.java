package io.glint.api.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Remembers which settings a builder received, so that setting one twice fails fast with a message
 * naming both values. Internal: not part of the public API.
 */
public final class SettingGuard {
  private final String owner;
  private final Map<String, Object> seen = new HashMap<>();

  public SettingGuard(String owner) {
    this.owner = owner;
  }

  /** Records {@code setting = value}; throws if {@code setting} was already given. */
  public void set(String setting, Object value) {
    if (seen.containsKey(setting)) {
      Object previous = seen.get(setting);
      throw new IllegalStateException(
          owner
              + ": "
              + setting
              + " was already set to "
              + render(previous)
              + "; refusing to set it again to "
              + render(value)
              + (Objects.equals(previous, value) ? " (same value given twice)" : ""));
    }
    seen.put(setting, value);
  }

  private static String render(Object v) {
    return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
  }
}
