package io.glint.cluster.config;

import java.util.List;

/**
 * A cluster YAML file that cannot be used: every problem found, each naming the file, the line, the
 * key and (for a misspelt key) the closest valid one.
 */
public final class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(String file, List<String> problems) {
    super(
        problems.size() == 1
            ? problems.get(0)
            : file + " has " + problems.size() + " problems:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  /** One line per problem ({@code cluster.yaml:7: provider.regoin: ...}). */
  public List<String> problems() {
    return problems;
  }
}
