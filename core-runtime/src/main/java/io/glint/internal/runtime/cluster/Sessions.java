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
