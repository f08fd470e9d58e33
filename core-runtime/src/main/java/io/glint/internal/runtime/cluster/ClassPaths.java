package io.glint.internal.runtime.cluster;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The class path a job's workers get: the driver's own class path with every jar's manifest {@code
 * Class-Path} expanded (so it works under Surefire/Failsafe's manifest-only jars and from an
 * application jar), followed by the job's extra code path.
 */
public final class ClassPaths {
  private ClassPaths() {}

  public static List<String> forWorkers(List<String> extra) {
    LinkedHashSet<Path> out = new LinkedHashSet<>();
    for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!e.isBlank()) {
        expand(Path.of(e).toAbsolutePath().normalize(), out);
      }
    }
    for (String e : extra) {
      Path p = Path.of(e).toAbsolutePath().normalize();
      if (!Files.exists(p)) {
        throw new IllegalArgumentException("glint.job.codePath entry does not exist: " + p);
      }
      expand(p, out);
    }
    List<String> result = new ArrayList<>();
    out.forEach(p -> result.add(p.toString()));
    return result;
  }

  private static void expand(Path entry, LinkedHashSet<Path> out) {
    if (!out.add(entry)) {
      return;
    }
    if (!Files.isRegularFile(entry) || !entry.toString().endsWith(".jar")) {
      return;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      Manifest m = jar.getManifest();
      String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
      if (cp == null) {
        return;
      }
      Path base = entry.getParent();
      for (String item : cp.trim().split("\\s+")) {
        if (item.isEmpty()) {
          continue;
        }
        Path p = resolve(base, item);
        if (p != null && Files.exists(p)) {
          expand(p.toAbsolutePath().normalize(), out);
        }
      }
    } catch (IOException e) {
      // not a readable jar: keep the entry as it is
    }
  }

  private static Path resolve(Path base, String item) {
    try {
      if (item.startsWith("file:")) {
        return Path.of(new URI(item));
      }
      String decoded = URLDecoder.decode(item, StandardCharsets.UTF_8);
      return base == null ? Path.of(decoded) : base.resolve(decoded);
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }
}
