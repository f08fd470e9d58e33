package io.glint.internal.runtime.node;

import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.common.Ids;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Ahead-of-time caches for worker JVMs (the JDK's AOT cache, JEP 483/514/515): a worker started
 * with one maps the classes a worker loads already parsed and linked, with their method profiles,
 * instead of loading them from the jars. A worker's start-up then takes about half the CPU (1.1 s →
 * 0.55 s here), which is what actor creation and the workers started for blocked tasks pay.
 *
 * <p>One cache per worker command: the JVM, its flags, the class path and the size and time of
 * every class path entry (a rebuilt jar gives a new cache). The first start of a command trains its
 * cache in the background (a JVM that starts as a worker does, against no node, and exits); later
 * starts use it. Caches live in a private per-user directory ({@code ~/.cache/glint/aot}, or {@code
 * glint.worker.aotCache} / {@code GLINT_WORKER_AOT_CACHE}; {@code off} disables them), so they
 * outlive the cluster; the {@value #KEPT} most recently used are kept. A directory another user can
 * write to is not used, since a cache is code the worker runs.
 */
final class WorkerAotCache {
  private static final System.Logger LOG = System.getLogger(WorkerAotCache.class.getName());
  static final String PROPERTY = "glint.worker.aotCache";
  static final String ENV = "GLINT_WORKER_AOT_CACHE";
  private static final long TRAINING_TIMEOUT_S = 120;

  /** Caches kept per directory (the most recently used): each is some 35 MB. */
  static final int KEPT = 6;

  /** A training's partial output older than this is left over from a crash. */
  private static final Duration STALE_PARTIAL = Duration.ofHours(1);

  private final Path dir;
  private final Path logDir;
  private final Executor io;
  private final Set<String> tried = ConcurrentHashMap.newKeySet();
  private final Set<String> touched = ConcurrentHashMap.newKeySet();
  private volatile Boolean usable;
  private final Map<String, Process> training = new ConcurrentHashMap<>();

  /**
   * @param dir where caches are kept, or null for none
   * @param logDir where a training run's output goes
   */
  WorkerAotCache(Path dir, Path logDir, Executor io) {
    this.dir = dir;
    this.logDir = logDir;
    this.io = io;
  }

  /**
   * The directory the settings name: the per-user default when unset, {@code on} or {@code true}; a
   * path for that directory; null (no caches) for {@code off} or {@code false}.
   */
  static Path configuredDir(Map<String, String> env, Properties props) {
    String v = props.getProperty(PROPERTY, env.get(ENV));
    if (GlintConfig.switchedOff(v)) {
      return null;
    }
    if (v != null && !v.isBlank() && !v.equalsIgnoreCase("on") && !v.equalsIgnoreCase("true")) {
      return Path.of(v);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("glint").resolve("aot");
  }

  /** How a worker starts: the options to add before its class path, and the class path. */
  record Plan(List<String> options, List<String> classPath) {}

  /**
   * How a worker with these JVM options and class path starts. Without caches: as given. With them:
   * its jars first, in their order, then the rest (directories), since the JVM trains only on jars
   * and maps a cache only for a class path that begins with the trained one; and {@code
   * -XX:AOTCache} when the cache of these options and jars is ready (when not, its training
   * starts).
   */
  Plan plan(List<String> jvmOptions, List<String> classPath, String mainClass) {
    if (dir == null) {
      return new Plan(List.of(), classPath);
    }
    List<String> jars = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (String e : classPath) {
      (e.endsWith(".jar") && Files.isRegularFile(Path.of(e)) ? jars : rest).add(e);
    }
    List<String> ordered = new ArrayList<>(jars);
    ordered.addAll(rest);
    if (jars.isEmpty() || !usable()) {
      return new Plan(List.of(), ordered);
    }
    List<String> training = new ArrayList<>(jvmOptions);
    training.add("-cp");
    training.add(String.join(java.io.File.pathSeparator, jars));
    String key = key(training);
    Path cache = dir.resolve(key + ".aot");
    if (Files.isRegularFile(cache, LinkOption.NOFOLLOW_LINKS)) {
      if (touched.add(key)) { // in use: the last to be pruned
        try {
          Files.setLastModifiedTime(cache, FileTime.from(Instant.now()));
        } catch (IOException e) {
          // pruned by another node meanwhile: this worker starts without it
        }
      }
      // Silent: a cache the JVM finds unusable is skipped, with no warning in the worker's log.
      return new Plan(List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off,cds=off"), ordered);
    }
    if (tried.add(key)) {
      io.execute(() -> train(training, mainClass, key, cache));
    }
    return new Plan(List.of(), ordered);
  }

  /** The training runs still going, for the node's shutdown. */
  List<Process> runningForShutdown() {
    List<Process> procs = new ArrayList<>(training.values());
    procs.forEach(Process::destroyForcibly);
    return procs;
  }

  /** Whether the directory is private to this user (created so when missing); checked once. */
  private boolean usable() {
    Boolean u = usable;
    if (u == null) {
      try {
        u = privateDir(dir);
      } catch (IOException | RuntimeException e) {
        u = false;
      }
      if (!u) {
        LOG.log(
            System.Logger.Level.WARNING,
            "not using worker AOT caches in " + dir + ": not a private directory of this user");
      }
      usable = u;
    }
    return u;
  }

  private void train(List<String> command, String mainClass, String key, Path cache) {
    Path tmp = null;
    Path store = null;
    try {
      store = Files.createTempDirectory("glint-aot-training-");
      tmp = dir.resolve(key + ".aot.tmp-" + Ids.hex(Ids.random()));
      List<String> cmd = new ArrayList<>(command);
      cmd.add(cmd.size() - 2, "-XX:AOTCacheOutput=" + tmp); // before -cp
      cmd.add(mainClass);
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.redirectErrorStream(true);
      pb.redirectOutput(logDir.resolve("worker-aot-training-" + key + ".log").toFile());
      Process p = pb.start();
      training.put(key, p);
      try (OutputStream in = p.getOutputStream()) {
        trainingBoot(store).store(in, null);
      }
      boolean ended = p.waitFor(TRAINING_TIMEOUT_S, TimeUnit.SECONDS);
      if (!ended) {
        p.destroyForcibly();
      }
      if (ended && p.exitValue() == 0 && Files.size(tmp) > 0) {
        Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE);
        LOG.log(System.Logger.Level.DEBUG, () -> "worker AOT cache ready: " + cache);
        prune(dir, KEPT, Instant.now());
      } else {
        LOG.log(
            System.Logger.Level.WARNING,
            "worker AOT cache training failed (exit "
                + (ended ? p.exitValue() : "timeout")
                + "); workers start without one. See "
                + logDir.resolve("worker-aot-training-" + key + ".log"));
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "worker AOT cache training failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      training.remove(key);
      if (store != null) {
        try {
          Files.deleteIfExists(store);
        } catch (IOException e) {
          // an empty directory in the temp dir
        }
      }
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // left for the next training to overwrite
        }
      }
    }
  }

  /**
   * Keeps the {@code kept} most recently used caches in {@code dir} and deletes the rest (every
   * rebuild of a jar makes a new one), and partial outputs of trainings that crashed.
   */
  static void prune(Path dir, int kept, Instant now) {
    List<Path> caches = new ArrayList<>();
    try (var entries = Files.list(dir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (name.endsWith(".aot")) {
          caches.add(p);
        } else if (name.contains(".aot.tmp-")
            && Files.getLastModifiedTime(p).toInstant().isBefore(now.minus(STALE_PARTIAL))) {
          Files.deleteIfExists(p);
        }
      }
      caches.sort(
          java.util.Comparator.comparing(
                  (Path p) -> {
                    try {
                      return Files.getLastModifiedTime(p);
                    } catch (IOException e) {
                      return FileTime.fromMillis(0);
                    }
                  })
              .reversed());
      for (Path old : caches.subList(Math.min(kept, caches.size()), caches.size())) {
        Files.deleteIfExists(old);
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, () -> "pruning worker AOT caches: " + e);
    }
  }

  /**
   * A worker's settings that lead nowhere: no node or control service listens on port 1 of the
   * loopback, so the training worker starts its server, fails to register at once and exits.
   */
  private static Properties trainingBoot(Path store) {
    Properties p = new Properties();
    p.setProperty("train", "true");
    p.setProperty("token", Ids.hex(Ids.random()));
    p.setProperty("workerId", Ids.hex(Ids.random()));
    p.setProperty("jobId", "01000000");
    p.setProperty("nodeId", Ids.hex(Ids.random()));
    p.setProperty("nodeHost", "127.0.0.1");
    p.setProperty("nodePort", "1");
    p.setProperty("controlHost", "127.0.0.1");
    p.setProperty("controlPort", "1");
    p.setProperty("storeDir", store.toString());
    p.setProperty("host", "127.0.0.1");
    p.setProperty("namespace", "");
    return p;
  }

  /**
   * The command and what its class path holds now (entry, size, modification time). Where a crash
   * report goes ({@code -XX:ErrorFile}, in each session's own log directory) plays no part: with
   * it, every session trained a cache of its own and never used an earlier one.
   */
  static String key(List<String> command) {
    StringBuilder sb = new StringBuilder(System.getProperty("java.vm.version")).append('\n');
    for (int i = 0; i < command.size(); i++) {
      if (command.get(i).startsWith("-XX:ErrorFile=")) {
        continue;
      }
      sb.append(command.get(i)).append('\n');
      if (command.get(i).equals("-cp") && i + 1 < command.size()) {
        for (String entry : command.get(i + 1).split(java.io.File.pathSeparator)) {
          Path p = Path.of(entry);
          try {
            sb.append(entry)
                .append(' ')
                .append(Files.size(p))
                .append(' ')
                .append(Files.getLastModifiedTime(p).toMillis())
                .append('\n');
          } catch (IOException e) {
            sb.append(entry).append(" missing\n");
          }
        }
      }
    }
    return digest(sb.toString());
  }

  /** 128 bits of the SHA-256 of {@code s}, in hex: a file name for what {@code s} describes. */
  static String digest(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Creates the directory (owner only) when missing; whether it is this user's and private. */
  static boolean privateDir(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
        || !Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS)
            .getName()
            .equals(System.getProperty("user.name"))) {
      return false;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    return !perms.contains(PosixFilePermission.GROUP_WRITE)
        && !perms.contains(PosixFilePermission.OTHERS_WRITE);
  }
}
