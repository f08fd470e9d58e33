package io.glint.internal.runtime.cluster;

import io.glint.internal.runtime.common.ResourceSet;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A node daemon in a process of its own ({@code NodeMain}), as {@code glint start} and multi-node
 * test clusters run them: its own address, its own sized store and, optionally, its own mount
 * namespace with a private {@code /dev/shm} (so no other process of the machine can see its store:
 * what separate machines look like, on one machine).
 */
public final class NodeProcess implements AutoCloseable {
  /** How to start one. */
  public record Spec(
      String name,
      String host,
      ResourceSet resources,
      long objectStoreBytes,
      String controlAddress,
      Path tokenFile,
      Path sessionDir,
      boolean privateShm,
      List<String> classPath,
      // The node's Prometheus endpoint: 0 any free port, -1 none.
      int metricsPort) {}

  private final Spec spec;
  private final Process process;
  private final String nodeIdHex;
  private final String address;
  private final Path storeDir;

  private NodeProcess(Spec spec, Process process, String[] ready) {
    this.spec = spec;
    this.process = process;
    this.nodeIdHex = ready[0];
    this.address = ready[1];
    this.storeDir = Path.of(ready[2]);
  }

  /** Starts a node and waits until it has registered with the control service. */
  /**
   * Whether this machine can give node processes private stores: a mount namespace with its own
   * {@code /dev/shm} ({@code unshare} as root).
   */
  public static boolean privateStoresAvailable() {
    try {
      Process p =
          new ProcessBuilder(
                  "unshare",
                  "--mount",
                  "--propagation",
                  "private",
                  "sh",
                  "-c",
                  "mount -t tmpfs -o size=1m glint-probe /dev/shm")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public static NodeProcess start(Spec spec) {
    Path ready = spec.sessionDir().resolve("node-" + spec.name() + ".ready");
    Path log = spec.sessionDir().resolve("logs").resolve("node-" + spec.name() + ".log");
    Process p = launch(command(spec, ready, false), ready, log);
    String[] parts = awaitReady(p, ready, log, "Node " + spec.name());
    return new NodeProcess(spec, p, parts);
  }

  /** The JVM command line of {@code NodeMain} for {@code spec}. */
  public static List<String> command(Spec spec, Path ready, boolean detached) {
    List<String> java = javaCommand(spec.classPath(), "io.glint.internal.runtime.node.NodeMain");
    java.add("--node-name=" + spec.name());
    java.add("--num-cpus=" + spec.resources().get(ResourceSet.CPU));
    java.add("--num-gpus=" + spec.resources().get(ResourceSet.GPU));
    String custom =
        spec.resources().toMap().entrySet().stream()
            .filter(
                e ->
                    !e.getKey().equals(ResourceSet.CPU)
                        && !e.getKey().equals(ResourceSet.GPU)
                        && !e.getKey().equals(ResourceSet.MEMORY))
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
    if (!custom.isEmpty()) {
      java.add("--resources=" + custom);
    }
    java.add("--object-store-memory=" + spec.objectStoreBytes());
    java.add("--host=" + spec.host());
    java.add("--control=" + spec.controlAddress());
    java.add("--token-file=" + spec.tokenFile());
    java.add("--session-dir=" + spec.sessionDir());
    if (spec.metricsPort() != 0) {
      java.add("--metrics-export-port=" + spec.metricsPort());
    }
    java.add("--ready-file=" + ready);
    List<String> cmd = new ArrayList<>();
    if (detached && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      cmd.add("/usr/bin/setsid"); // a session of its own: it outlives the command that started it
    }
    if (spec.privateShm()) {
      java.add("--store-root=/dev/shm");
      // A mount namespace of its own with a private tmpfs on /dev/shm, sized for its store.
      cmd.addAll(
          List.of(
              "unshare",
              "--mount",
              "--propagation",
              "private",
              "sh",
              "-c",
              "mount -t tmpfs -o size="
                  + (spec.objectStoreBytes() + (64L << 20))
                  + " glint-shm /dev/shm && exec \"$@\"",
              "sh"));
    }
    cmd.addAll(java);
    return cmd;
  }

  /** {@code java <flags every Glint JVM needs> -cp <classPath> <mainClass>}. */
  public static List<String> javaCommand(List<String> classPath, String mainClass) {
    List<String> java = new ArrayList<>();
    java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    java.add("--enable-native-access=ALL-UNNAMED");
    java.add("--sun-misc-unsafe-memory-access=allow");
    java.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    java.add("-XX:+UseSerialGC");
    java.add("-Xss512k");
    java.add("-Dslf4j.internal.verbosity=ERROR");
    java.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
    // Where node daemons keep their workers' AOT caches and jar bundles, when this process was
    // told.
    for (String key : List.of("glint.worker.aotCache", "glint.worker.jarBundles")) {
      String v = System.getProperty(key);
      if (v != null) {
        java.add("-D" + key + "=" + v);
      }
    }
    java.add("-cp");
    java.add(String.join(File.pathSeparator, classPath));
    java.add(mainClass);
    return java;
  }

  /** Starts {@code cmd} with its output appended to {@code log}. */
  public static Process launch(List<String> cmd, Path ready, Path log) {
    try {
      Files.createDirectories(log.getParent());
      Files.deleteIfExists(ready);
      return new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start " + cmd.get(0) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits for a daemon's ready file and returns its fields; fails with the end of its log when it
   * exits or takes more than a minute.
   */
  public static String[] awaitReady(Process p, Path ready, Path log, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(ready)) {
      boolean gone = p != null && !p.isAlive() && p.exitValue() != 0;
      if (gone || System.nanoTime() > deadline) {
        if (p != null) {
          p.destroyForcibly();
        }
        String tail = tail(log);
        throw new IllegalStateException(
            what + " did not start" + (tail.isEmpty() ? "" : ": " + tail));
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting " + what, e);
      }
    }
    try {
      return Files.readString(ready, StandardCharsets.UTF_8).strip().split(" ");
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read " + ready + ": " + e, e);
    }
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  public String name() {
    return spec.name();
  }

  public String nodeIdHex() {
    return nodeIdHex;
  }

  /** The node daemon's {@code host:port}. */
  public String address() {
    return address;
  }

  public Path storeDir() {
    return storeDir;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** kill -9: the node dies at once (its workers follow when they notice). */
  public void kill() {
    process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    waitFor(10);
    // A killed node cannot delete its store; a private one went with its mount namespace.
    if (!spec.privateShm()) {
      try (var files = Files.walk(storeDir)) {
        files
            .sorted(java.util.Comparator.reverseOrder())
            .forEach(
                f -> {
                  try {
                    Files.deleteIfExists(f);
                  } catch (IOException ignored) {
                    // best effort
                  }
                });
      } catch (IOException | RuntimeException ignored) {
        // gone already
      }
    }
  }

  /** SIGTERM: the node ends its workers and deletes its store, then exits. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!waitFor(20)) {
      kill();
    }
  }

  private boolean waitFor(long seconds) {
    return waitFor(process, seconds);
  }

  /** Waits up to {@code seconds} for {@code p} to end; false if it still runs. */
  static boolean waitFor(Process p, long seconds) {
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public String toString() {
    return "node " + spec.name() + " (" + address + ", pid " + process.pid() + ")";
  }
}
