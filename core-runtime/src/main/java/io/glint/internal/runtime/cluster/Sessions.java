package io.glint.internal.runtime.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/** Session directories: {@code <root>/session_<time>_<pid>_<rand>/logs}, private to the user. */
public final class Sessions {
  private Sessions() {}

  private static final java.util.regex.Pattern SESSION =
      java.util.regex.Pattern.compile(
          "session_\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}_(\\d+)_[0-9a-f]+");
  private static final java.util.regex.Pattern STORE =
      java.util.regex.Pattern.compile("glint-(" + SESSION.pattern() + ")-[0-9a-f]+");

  /**
   * Removes what sessions of processes that no longer run left behind (a driver killed before it
   * could clean up): their object stores under {@code storeRoot} (shared memory) and their spill
   * directories under {@code root}. Logs are kept. Only this user's, and only when the process that
   * created the session is gone; a failure to remove something is ignored.
   */
  public static void sweepStale(Path root, Path storeRoot) {
    sweep(storeRoot, STORE, dir -> dir);
    sweep(root, SESSION, dir -> dir.resolve("spill"));
  }

  private static void sweep(
      Path parent, java.util.regex.Pattern pattern, java.util.function.UnaryOperator<Path> victim) {
    String user = System.getProperty("user.name");
    try (var dirs = Files.newDirectoryStream(parent)) {
      for (Path dir : dirs) {
        var m = pattern.matcher(dir.getFileName().toString());
        if (!m.matches() || !Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        long pid = Long.parseLong(m.group(m.groupCount()));
        if (ProcessHandle.of(pid).isPresent()
            || !Files.getOwner(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .getName()
                .equals(user)) {
          continue;
        }
        deleteTree(victim.apply(dir));
      }
    } catch (IOException | RuntimeException ignored) {
      // best effort: nothing to sweep, or not ours to read
    }
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(q);
      }
    } catch (IOException | RuntimeException ignored) {
      // best effort
    }
  }

  public static Path create(Path root) {
    String name =
        "session_"
            + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss"))
            + "_"
            + ProcessHandle.current().pid()
            + "_"
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
    try {
      Files.createDirectories(root);
      Path dir =
          Files.createDirectory(
              root.resolve(name),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.createDirectories(dir.resolve("logs"));
      Path latest = root.resolve("session_latest");
      try {
        Files.deleteIfExists(latest);
        Files.createSymbolicLink(latest, dir.getFileName());
      } catch (IOException | UnsupportedOperationException ignored) {
        // a convenience only
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a session directory under " + root, e);
    }
  }
}
