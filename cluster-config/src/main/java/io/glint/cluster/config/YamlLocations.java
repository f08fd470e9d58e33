package io.glint.cluster.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The line of every key and list item of a YAML document, by path ({@code provider.region}, {@code
 * setup_commands[0]}), so errors found on the parsed tree can name their line.
 */
final class YamlLocations {
  private final Map<String, Integer> lines = new HashMap<>();

  private YamlLocations() {}

  static YamlLocations index(String yaml) throws IOException {
    YamlLocations out = new YamlLocations();
    try (JsonParser p = new YAMLFactory().createParser(yaml)) {
      // Each open container: its path, and for lists the next item's index.
      Deque<String> paths = new ArrayDeque<>();
      Deque<int[]> items = new ArrayDeque<>();
      String field = null;
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        int line = p.currentTokenLocation().getLineNr();
        String parent = paths.isEmpty() ? "" : paths.peek();
        if (t == JsonToken.FIELD_NAME) {
          field = join(parent, p.currentName());
          out.lines.put(field, line);
          continue;
        }
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          paths.pop();
          items.pop();
          continue;
        }
        String here;
        int[] index = items.peek();
        if (index != null && index[0] >= 0) {
          here = parent + "[" + index[0]++ + "]";
          out.lines.putIfAbsent(here, line);
        } else {
          here = field == null ? "" : field;
        }
        if (t == JsonToken.START_OBJECT) {
          paths.push(here);
          items.push(new int[] {-1});
        } else if (t == JsonToken.START_ARRAY) {
          paths.push(here);
          items.push(new int[] {0});
        }
        field = null;
      }
    }
    return out;
  }

  private static String join(String parent, String name) {
    return parent.isEmpty() ? name : parent + "." + name;
  }

  /** The line of {@code path}, else of its closest enclosing key, else 1. */
  int line(String path) {
    String p = path;
    while (!p.isEmpty()) {
      Integer l = lines.get(p);
      if (l != null) {
        return l;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut < 0 ? "" : p.substring(0, cut);
    }
    return 1;
  }
}
