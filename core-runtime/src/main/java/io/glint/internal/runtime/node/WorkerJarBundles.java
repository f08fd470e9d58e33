package io.glint.internal.runtime.node;

import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Ids;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * A worker's class path of many jars, read as a few: each run of consecutive jars on it is merged
 * into one jar (a bundle) that the workers of later starts use in its place.
 *
 * <p>Why: a JVM opens every jar of its class path and looks in each for every resource it is asked
 * for; a {@code ServiceLoader} lookup (gRPC's providers, the system logger's) that finds nothing
 * reads all of them. With the 180 jars of Glint's own distribution an actor's worker spent about a
 * fifth of its start-up there, and its JIT compiled the class path's lookup loops.
 *
 * <p>A bundle reads exactly as its jars did, in their order: an entry comes from the first jar that
 * has it (its compressed bytes copied as they are, nothing recompressed); the service files ({@code
 * META-INF/services/*}) of all its jars are joined in order; a multi-release jar's entries for this
 * JVM's version count as that jar's, and the bundle is multi-release when it holds any. Jars kept
 * as they are: signed ones (a bundle carries no signatures), changed within the last {@link
 * #SETTLED} (a jar being rebuilt between runs would rebuild its bundle each time), and runs shorter
 * than {@link #MIN_RUN}. Directories stay in place.
 *
 * <p>Bundles are built in the background on first use (workers start with the jars until then),
 * live in the AOT caches' private per-user directory (its {@code jars} folder), are keyed by their
 * jars' paths, sizes and times and this JVM's version; the {@value #KEPT} most recently used are
 * kept, others once unused for {@link #UNUSED} (a bundle's own time never changes once built:
 * worker AOT caches are trained on it, so its use is marked in a file beside it). {@code
 * GLINT_WORKER_JAR_BUNDLES=off} (or {@code -Dglint.worker.jarBundles=off}) turns them off.
 */
final class WorkerJarBundles {
  private static final System.Logger LOG = System.getLogger(WorkerJarBundles.class.getName());
  static final String PROPERTY = "glint.worker.jarBundles";
  static final String ENV = "GLINT_WORKER_JAR_BUNDLES";

  /** The fewest consecutive jars worth a bundle. */
  static final int MIN_RUN = 8;

  /** A jar changed more recently than this is left out of bundles. */
  static final Duration SETTLED = Duration.ofMinutes(10);

  static final int KEPT = 4;

  /**
   * A bundle beyond the kept ones is removed once unused this long: more than twice the interval at
   * which a node marks a bundle it uses, so one still named by a starting worker is never removed.
   */
  static final Duration UNUSED = Duration.ofHours(3);

  /** How often a node marks a bundle it keeps using as used. */
  private static final long MARK_EVERY_NANOS = java.util.concurrent.TimeUnit.HOURS.toNanos(1);

  private static final Pattern VERSIONED = Pattern.compile("META-INF/versions/(\\d+)/(.+)");

  private final Path dir;
  private final Executor io;
  private final int javaVersion = Runtime.version().feature();
  private final Set<String> building = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> marked = new ConcurrentHashMap<>();
  private final Map<String, Boolean> unsigned = new ConcurrentHashMap<>();

  /**
   * @param dir where bundles are kept (a private directory), or null for none
   */
  WorkerJarBundles(Path dir, Executor io) {
    this.dir = dir;
    this.io = io;
  }

  /** The bundles' directory for these settings: in the AOT caches' one, or null when off. */
  static Path configuredDir(Path aotDir, Map<String, String> env, java.util.Properties props) {
    String v = props.getProperty(PROPERTY, env.get(ENV));
    if (aotDir == null || GlintConfig.switchedOff(v)) {
      return null;
    }
    return aotDir.resolve("jars");
  }

  /** The class path a worker starts with: each ready bundle in place of its jars. */
  List<String> classPath(List<String> entries) {
    if (dir == null) {
      return entries;
    }
    List<String> out = new ArrayList<>();
    List<Jar> run = new ArrayList<>();
    Instant settled = Instant.now().minus(SETTLED);
    for (String e : entries) {
      Jar jar = bundleable(Path.of(e), settled);
      if (jar != null) {
        run.add(jar);
      } else {
        flush(run, out);
        out.add(e);
      }
    }
    flush(run, out);
    return out;
  }

  /** A jar of the class path as it is now: its path, and its path, size and time in one line. */
  private record Jar(Path path, String id) {}

  private void flush(List<Jar> run, List<String> out) {
    if (run.size() >= MIN_RUN) {
      Path bundle = bundleFor(run);
      if (bundle != null) {
        out.add(bundle.toString());
        run.clear();
        return;
      }
    }
    run.forEach(j -> out.add(j.path().toString()));
    run.clear();
  }

  /** The ready bundle of these jars, or null (then its building starts, once). */
  private Path bundleFor(List<Jar> jars) {
    String key = key(jars.stream().map(Jar::id).toList(), javaVersion);
    Path bundle = dir.resolve(key + ".jar");
    if (Files.isRegularFile(bundle)) {
      long now = System.nanoTime();
      Long last = marked.get(key);
      if (last == null || now - last > MARK_EVERY_NANOS) {
        marked.put(key, now);
        // Its use is marked beside it: the bundle's own time is part of what a worker's AOT cache
        // was trained on, so touching it would void the cache.
        try {
          Files.write(dir.resolve(key + ".used"), new byte[0]);
        } catch (IOException e) {
          return null; // pruned meanwhile
        }
      }
      return bundle;
    }
    if (building.add(key)) {
      List<Path> paths = jars.stream().map(Jar::path).toList();
      io.execute(() -> build(paths, bundle));
    }
    return null;
  }

  private void build(List<Path> jars, Path bundle) {
    Path tmp = null;
    try {
      if (!WorkerAotCache.privateDir(dir)) {
        LOG.log(
            System.Logger.Level.WARNING, "not bundling worker jars in " + dir + ": not private");
        return;
      }
      tmp = dir.resolve(bundle.getFileName() + ".tmp-" + Ids.hex(Ids.random()));
      merge(jars, tmp, javaVersion);
      Files.move(tmp, bundle, StandardCopyOption.ATOMIC_MOVE);
      prune(dir, Instant.now());
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot bundle the workers' jars: " + e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // left for the next prune
        }
      }
    }
  }

  /**
   * Drops bundles beyond the {@value #KEPT} most recently used, but only those no node has used for
   * {@link #UNUSED} (and partial builds left by a crash): a JVM opens its class path's jars lazily,
   * so a bundle removed while a worker that names it is still starting would fail that worker.
   */
  static void prune(Path dir, Instant now) throws IOException {
    List<Path> bundles = new ArrayList<>();
    try (var list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        String name = p.getFileName().toString();
        if (name.endsWith(".jar")) {
          bundles.add(p);
        } else if (name.contains(".jar.tmp-")
            && Files.getLastModifiedTime(p).toInstant().isBefore(now.minus(Duration.ofHours(1)))) {
          Files.deleteIfExists(p);
        }
      }
    }
    bundles.sort(java.util.Comparator.comparing(WorkerJarBundles::lastUse).reversed());
    for (Path old : bundles.subList(Math.min(KEPT, bundles.size()), bundles.size())) {
      if (lastUse(old).toInstant().isBefore(now.minus(UNUSED))) {
        Files.deleteIfExists(old);
        Files.deleteIfExists(marker(old));
      }
    }
  }

  private static Path marker(Path bundle) {
    return bundle.resolveSibling(bundle.getFileName().toString().replace(".jar", ".used"));
  }

  private static FileTime lastUse(Path bundle) {
    try {
      Path used = marker(bundle);
      return Files.getLastModifiedTime(Files.exists(used) ? used : bundle);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  /** The jar, when it may go into a bundle (a settled, unsigned jar); else null. */
  private Jar bundleable(Path p, Instant settled) {
    try {
      if (!p.toString().endsWith(".jar") || !Files.isRegularFile(p)) {
        return null;
      }
      FileTime time = Files.getLastModifiedTime(p);
      if (time.toInstant().isAfter(settled)) {
        return null;
      }
      Jar jar = new Jar(p, p.toAbsolutePath() + " " + Files.size(p) + " " + time.toMillis());
      // Every worker start asks: a jar is read once per version of it.
      return unsigned.computeIfAbsent(jar.id(), k -> unsigned(p)) ? jar : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean unsigned(Path p) {
    try {
      try (ZipFile z = ZipFile.builder().setPath(p).get()) {
        for (Enumeration<ZipArchiveEntry> en = z.getEntries(); en.hasMoreElements(); ) {
          String n = en.nextElement().getName();
          if (n.startsWith("META-INF/")
              && n.indexOf('/', 9) < 0
              && (n.endsWith(".SF") || n.endsWith(".RSA") || n.endsWith(".DSA"))) {
            return false; // signed
          }
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The jars (each its path, size and time) and the JVM version the bundle is for. */
  static String key(List<String> jarIds, int javaVersion) {
    return WorkerAotCache.digest("java " + javaVersion + "\n" + String.join("\n", jarIds));
  }

  /** Writes the jars, in order, as one jar read as they were by a JVM of {@code javaVersion}. */
  static void merge(List<Path> jars, Path out, int javaVersion) throws IOException {
    Set<String> owned = new HashSet<>(); // names (as a JVM of this version reads them) taken
    Map<String, ByteArrayOutputStream> services = new LinkedHashMap<>();
    Set<Path> multiReleaseJars = new HashSet<>();
    for (Path jar : jars) {
      try (ZipFile z = ZipFile.builder().setPath(jar).get()) {
        if (isMultiRelease(z)) {
          multiReleaseJars.add(jar);
        }
      }
    }
    boolean multiRelease = !multiReleaseJars.isEmpty();
    try (ZipArchiveOutputStream zos = new ZipArchiveOutputStream(out)) {
      // The manifest first, as in any jar (a multi-release one holding no versioned entry for
      // this JVM reads as a plain one).
      Manifest m = new Manifest();
      m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
      if (multiRelease) {
        m.getMainAttributes().put(Attributes.Name.MULTI_RELEASE, "true");
      }
      zos.putArchiveEntry(new ZipArchiveEntry("META-INF/MANIFEST.MF"));
      m.write(zos);
      zos.closeArchiveEntry();
      for (Path jar : jars) {
        try (ZipFile z = ZipFile.builder().setPath(jar).get()) {
          boolean mr = multiReleaseJars.contains(jar);
          List<ZipArchiveEntry> entries = java.util.Collections.list(z.getEntriesInPhysicalOrder());
          Set<String> mine = new HashSet<>(); // what this jar provides that no earlier jar did
          for (ZipArchiveEntry e : entries) {
            String logical = readAs(e.getName(), mr, javaVersion);
            if (logical != null && !owned.contains(logical)) {
              mine.add(logical);
            }
          }
          for (ZipArchiveEntry e : entries) {
            String n = e.getName();
            if (e.isDirectory()
                || n.equals("META-INF/MANIFEST.MF")
                || n.equals("META-INF/INDEX.LIST")
                || n.endsWith("module-info.class")) {
              continue;
            }
            if (n.startsWith("META-INF/services/") && n.indexOf('/', 18) < 0) {
              try (InputStream in = z.getInputStream(e)) {
                ByteArrayOutputStream buf =
                    services.computeIfAbsent(n, k -> new ByteArrayOutputStream());
                buf.write(in.readAllBytes());
                buf.write('\n');
              }
              continue;
            }
            String logical = readAs(n, mr, javaVersion);
            if (logical == null || !mine.contains(logical)) {
              continue;
            }
            try (InputStream raw = z.getRawInputStream(e)) {
              zos.addRawArchiveEntry(e, raw);
            }
          }
          owned.addAll(mine);
        }
      }
      for (Map.Entry<String, ByteArrayOutputStream> s : services.entrySet()) {
        zos.putArchiveEntry(new ZipArchiveEntry(s.getKey()));
        zos.write(s.getValue().toByteArray());
        zos.closeArchiveEntry();
      }
    }
  }

  /**
   * The name a JVM of {@code javaVersion} reads entry {@code name} of a jar as (a versioned entry
   * of a multi-release jar as its plain name), or null when it does not read it at all.
   */
  private static String readAs(String name, boolean multiRelease, int javaVersion) {
    Matcher v = VERSIONED.matcher(name);
    if (!v.matches()) {
      return name;
    }
    return multiRelease && Integer.parseInt(v.group(1)) <= javaVersion ? v.group(2) : null;
  }

  private static boolean isMultiRelease(ZipFile z) throws IOException {
    ZipArchiveEntry e = z.getEntry("META-INF/MANIFEST.MF");
    if (e == null) {
      return false;
    }
    try (InputStream in = z.getInputStream(e)) {
      return "true"
          .equalsIgnoreCase(new Manifest(in).getMainAttributes().getValue("Multi-Release"));
    }
  }
}
