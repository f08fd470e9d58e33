package io.glint.cli;

import io.glint.internal.runtime.cluster.ClusterRecords;
import io.glint.internal.runtime.common.GlintConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code glint stop}: Ray's {@code ray stop}. Ends the daemons recorded under one temp dir (nodes
 * first: each ends its workers and deletes its store; then the control services) and nothing else,
 * so one test's stop never touches another's cluster.
 */
@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    description = "Stops the Glint daemons started with glint start under this temp dir.")
final class StopCommand implements Callable<Integer> {
  @Option(
      names = "--force",
      description = "Kill at once (SIGKILL), workers included, and remove the stores left behind.")
  boolean force;

  @Option(names = "--temp-dir", description = "Whose clusters (default: glint.tempDir).")
  Path tempDir;

  @Override
  public Integer call() {
    Path dir =
        tempDir != null
            ? tempDir
            : GlintConfig.fromSystem().resolve(io.glint.api.InitOptions.defaults()).tempDir();
    ClusterRecords records = new ClusterRecords(dir);
    int stopped = 0;
    for (ClusterRecords.Cluster c : records.all()) {
      List<Path> ready = c.readyFiles();
      for (Path r : ready) {
        long pid = ClusterRecords.pidOf(r);
        if (pid > 0 && stopPid(pid, force)) {
          stopped++;
        }
        if (force) {
          removeStore(r);
        }
      }
      deleteTree(c.dir());
    }
    try {
      Files.deleteIfExists(records.root().resolve("latest"));
    } catch (IOException ignored) {
      // best effort
    }
    System.out.println(
        stopped == 0
            ? "No Glint processes were running (under " + dir + ")."
            : "Stopped " + stopped + " Glint process" + (stopped == 1 ? "" : "es") + ".");
    return 0;
  }

  /**
   * Ends a daemon and its workers: SIGTERM and up to 20 s for its own clean-up, or SIGKILL at once
   * with {@code force} (or when it does not end in time). Whether it was running.
   */
  static boolean stopPid(long pid, boolean force) {
    ProcessHandle h = ProcessHandle.of(pid).orElse(null);
    if (h == null || !h.isAlive()) {
      return false;
    }
    List<ProcessHandle> workers = h.descendants().toList();
    if (force) {
      workers.forEach(ProcessHandle::destroyForcibly);
      h.destroyForcibly();
    } else {
      h.destroy();
    }
    try {
      h.onExit().get(force ? 5 : 20, TimeUnit.SECONDS);
    } catch (Exception e) {
      workers.forEach(ProcessHandle::destroyForcibly);
      h.destroyForcibly();
    }
    // Workers end when their node does; make sure none lingers.
    for (ProcessHandle w : workers) {
      try {
        w.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        w.destroyForcibly();
      }
    }
    return true;
  }

  /** The store directory a node's ready file names (removed after a forced stop). */
  private static void removeStore(Path ready) {
    try {
      String[] f = Files.readString(ready, StandardCharsets.UTF_8).strip().split(" ");
      if (f.length >= 4) {
        deleteTree(Path.of(f[2]));
      }
    } catch (IOException ignored) {
      // not a node, or gone
    }
  }

  static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              x -> {
                try {
                  Files.deleteIfExists(x);
                } catch (IOException ignored) {
                  // best effort
                }
              });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
