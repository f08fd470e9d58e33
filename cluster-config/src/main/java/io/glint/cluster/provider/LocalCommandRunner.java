package io.glint.cluster.provider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a local node's commands with bash on this machine, in the node's own directory, which is its
 * {@code HOME} (so {@code ~/file} in a command is the node's) and holds its Glint temp dir (so its
 * {@code glint start}/{@code glint stop} see only its own daemons).
 */
public final class LocalCommandRunner implements CommandRunner {
  private final Path home;
  private final Map<String, String> baseEnv;

  /**
   * @param home the node's directory
   * @param baseEnv what every command of this node sees (its address, PATH with {@code glint})
   */
  public LocalCommandRunner(Path home, Map<String, String> baseEnv) {
    this.home = home;
    this.baseEnv = Map.copyOf(baseEnv);
  }

  @Override
  public Result run(String command, Map<String, String> env, Duration timeout) {
    try {
      Files.createDirectories(home);
      Path out = Files.createTempFile(home, ".cmd", ".out");
      try {
        ProcessBuilder pb =
            new ProcessBuilder("bash", "-c", command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("HOME", home.toString());
        pb.environment().put("GLINT_TEMP_DIR", home.resolve("tmp").toString());
        pb.environment().putAll(baseEnv);
        pb.environment().putAll(env);
        Process p = pb.start();
        // Output goes to a file: daemons a command leaves running never hold this call open.
        boolean done;
        try {
          done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          // The caller is going away (the autoscaler stops): so does the command.
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          throw e;
        }
        if (!done) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
          return new Result(124, read(out) + "\n(ended after " + timeout.toSeconds() + " s)");
        }
        return new Result(p.exitValue(), read(out));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    }
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8).strip();
  }

  /** {@code ~/x} and relative paths are under the node's directory. */
  Path resolve(String remote) {
    String r = remote.startsWith("~/") ? remote.substring(2) : remote.equals("~") ? "" : remote;
    Path p = r.startsWith("/") ? Path.of(r) : home.resolve(r);
    return p.normalize();
  }

  @Override
  public void copyUp(Path local, String remote) {
    copy(local, resolve(remote));
  }

  @Override
  public void copyDown(String remote, Path local) {
    copy(resolve(remote), local);
  }

  private static void copy(Path from, Path to) {
    try {
      if (Files.isDirectory(from)) {
        try (Stream<Path> all = Files.walk(from)) {
          for (Path p : (Iterable<Path>) all::iterator) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
              Files.createDirectories(target);
            } else {
              Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
          }
        }
      } else {
        if (to.getParent() != null) {
          Files.createDirectories(to.getParent());
        }
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("copying " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  @Override
  public int attach(Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder("bash", "-i").directory(home.toFile()).inheritIO();
    pb.environment().put("HOME", home.toString());
    pb.environment().put("GLINT_TEMP_DIR", home.resolve("tmp").toString());
    pb.environment().putAll(baseEnv);
    pb.environment().putAll(env);
    try {
      return pb.start().waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  @Override
  public boolean reachable() {
    return true;
  }
}
