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
    pruneOld(root, KEEP_SESSIONS);
  }

  /** Session directories kept (with their logs) once their process is gone, as Ray keeps some. */
  public static final int KEEP_SESSIONS = 5;

  /**
   * Removes whole session directories of processes that no longer run, all but the {@code keep}
   * newest (by name, which starts with the creation time). Only this user's.
   */
  static void pruneOld(Path root, int keep) {
    String user = System.getProperty("user.name");
    java.util.List<Path> sessions = new java.util.ArrayList<>();
    try (var dirs = Files.newDirectoryStream(root)) {
      for (Path dir : dirs) {
        if (SESSION.matcher(dir.getFileName().toString()).matches()
            && Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          sessions.add(dir);
        }
      }
    } catch (IOException | RuntimeException e) {
      return;
    }
    sessions.sort(
        java.util.Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
    for (int i = keep; i < sessions.size(); i++) {
      Path dir = sessions.get(i);
      var m = SESSION.matcher(dir.getFileName().toString());
      if (!m.matches()) {
        continue;
      }
      try {
        long pid = Long.parseLong(m.group(1));
        if (ProcessHandle.of(pid).isEmpty()
            && Files.getOwner(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .getName()
                .equals(user)) {
          deleteTree(dir);
        }
      } catch (IOException | RuntimeException ignored) {
        // not ours, or gone meanwhile
      }
    }
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
