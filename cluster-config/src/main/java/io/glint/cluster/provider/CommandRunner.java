package io.glint.cluster.provider;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Runs shell commands and copies files on one node (a local shell, or SSH). */
public interface CommandRunner {
  /**
   * Runs {@code command} in a login-like shell on the node with {@code env} set, and returns its
   * exit code and output (stdout and stderr together); ends it after {@code timeout}.
   */
  Result run(String command, Map<String, String> env, Duration timeout);

  /** Copies a local file or directory to {@code remote} on the node ({@code ~} is its home). */
  void copyUp(Path local, String remote);

  /** Copies {@code remote} from the node to a local path. */
  void copyDown(String remote, Path local);

  /** An interactive shell on the node, on this terminal ({@code glint attach}); its exit code. */
  int attach(Map<String, String> env);

  /** Whether the node answers (its SSH server is up; always true for a local node). */
  boolean reachable();

  /** A command's exit code and output. */
  record Result(int exitCode, String output) {
    public boolean ok() {
      return exitCode == 0;
    }
  }
}
