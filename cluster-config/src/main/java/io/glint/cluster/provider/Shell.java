package io.glint.cluster.provider;

import io.glint.cluster.config.NodeType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What every command runner and provider shares: shell quoting, exported env, paths under ~. */
public final class Shell {
  private Shell() {}

  /** {@code s} as one single-quoted shell word. */
  public static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /**
   * {@code export K='v'; ...} for {@code base} then {@code env} (later wins); values are quoted,
   * except a leading {@code $HOME}, which the node expands itself.
   */
  static String exports(Map<String, String> base, Map<String, String> env) {
    Map<String, String> all = new LinkedHashMap<>(base);
    all.putAll(env);
    StringBuilder b = new StringBuilder();
    all.forEach(
        (k, v) ->
            b.append("export ")
                .append(k)
                .append('=')
                .append(quote(v).replace("'$HOME", "\"$HOME\"'"))
                .append("; "));
    return b.toString();
  }

  /** {@code ~/x} under this user's home ($HOME first: a local node's is its own directory). */
  public static Path expandHome(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      String home = System.getenv("HOME");
      return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"))
          .resolve(path.substring(Math.min(2, path.length())));
    }
    return Path.of(path);
  }

  /** Refuses node_config keys a provider does not take, naming them and the ones it does. */
  static void checkNodeConfigKeys(NodeType type, String provider, Set<String> known) {
    List<String> unknown = new ArrayList<>();
    type.nodeConfig()
        .fieldNames()
        .forEachRemaining(
            k -> {
              if (!known.contains(k)) {
                unknown.add(k);
              }
            });
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "available_node_types."
              + type.name()
              + ".node_config: the "
              + provider
              + " provider does not know "
              + unknown
              + " (it takes "
              + new java.util.TreeSet<>(known)
              + ")");
    }
  }
}
