package io.glint.internal.runtime.node;

import io.glint.internal.store.ByteSizes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ray's memory monitor: when the node's memory use crosses a threshold, the worker running the
 * newest retriable task (else the newest worker with a lease) is killed before the machine swaps or
 * the kernel picks a daemon. Its submitter learns the cause ({@link #exitCause}) and fails or
 * retries the task with a typed out-of-memory failure.
 *
 * <p>Memory use is the machine's (from {@code /proc/meminfo}, or the cgroup's limit when the node
 * runs in one), or, when a limit is configured ({@code GLINT_MEMORY_LIMIT_BYTES}), the resident
 * memory of this node's workers against that limit: tests set a small limit of their own and never
 * depend on the machine's real memory.
 */
final class MemoryMonitor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MemoryMonitor.class.getName());

  /** Memory in use and the capacity it is measured against, in bytes. */
  record Usage(long used, long capacity) {
    String describe() {
      return ByteSizes.format(used) + " of " + ByteSizes.format(capacity);
    }
  }

  /** The settings: threshold (fraction of capacity), refresh period (0: off), worker limit. */
  record Settings(double threshold, long refreshMs, long workerLimitBytes) {
    static Settings fromEnvironment() {
      return new Settings(
          number("glint.memoryUsageThreshold", "GLINT_MEMORY_USAGE_THRESHOLD", 0.95),
          (long) number("glint.memoryMonitorRefreshMs", "GLINT_MEMORY_MONITOR_REFRESH_MS", 250),
          limit());
    }

    private static double number(String property, String env, double dflt) {
      String v = System.getProperty(property, System.getenv(env));
      if (v == null || v.isBlank()) {
        return dflt;
      }
      try {
        return Double.parseDouble(v.trim());
      } catch (NumberFormatException e) {
        throw new io.glint.api.exception.ConfigurationException(
            env + " (" + property + ") must be a number, not '" + v + "'");
      }
    }

    private static long limit() {
      String v =
          System.getProperty("glint.memoryLimitBytes", System.getenv("GLINT_MEMORY_LIMIT_BYTES"));
      if (v == null || v.isBlank()) {
        return 0;
      }
      try {
        return ByteSizes.parse(v);
      } catch (IllegalArgumentException e) {
        throw new io.glint.api.exception.ConfigurationException(
            "GLINT_MEMORY_LIMIT_BYTES (glint.memoryLimitBytes): " + e.getMessage());
      }
    }
  }

  private final LeaseScheduler scheduler;
  private final Settings settings;
  private final ScheduledFuture<?> task;
  private final long pageSize = 4096;

  /** Why workers were ended, by worker id (the newest few hundred). */
  private final Map<com.google.protobuf.ByteString, String> causes =
      Collections.synchronizedMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(
                Map.Entry<com.google.protobuf.ByteString, String> e) {
              return size() > 500;
            }
          });

  /** After a kill, the next one waits until memory had time to come back. */
  private volatile long quietUntilNanos;

  MemoryMonitor(LeaseScheduler scheduler, Settings settings, ScheduledExecutorService timer) {
    this.scheduler = scheduler;
    this.settings = settings;
    if (settings.threshold() <= 0 || settings.threshold() > 1) {
      throw new io.glint.api.exception.ConfigurationException(
          "GLINT_MEMORY_USAGE_THRESHOLD must be above 0 and at most 1, not "
              + settings.threshold());
    }
    this.task =
        settings.refreshMs() <= 0
            ? null
            : timer.scheduleWithFixedDelay(
                this::check, settings.refreshMs(), settings.refreshMs(), TimeUnit.MILLISECONDS);
  }

  /** The cause recorded when this node ended the worker, or null. */
  String exitCause(com.google.protobuf.ByteString workerId) {
    return causes.get(workerId);
  }

  void check() {
    try {
      if (System.nanoTime() < quietUntilNanos) {
        return;
      }
      Usage u = usage();
      if (u == null || u.capacity() <= 0 || u.used() <= settings.threshold() * u.capacity()) {
        return;
      }
      LeaseScheduler.OomVictim victim = scheduler.pickMemoryVictim();
      if (victim == null) {
        return;
      }
      String cause =
          "the node's memory use ("
              + u.describe()
              + (settings.workerLimitBytes() > 0 ? " allowed to its workers" : "")
              + ") crossed the threshold of "
              + Math.round(settings.threshold() * 100)
              + "%, and the worker (pid "
              + victim.pid()
              + ") running "
              + victim.what()
              + " was the newest to end";
      causes.put(victim.workerId(), cause);
      LOG.log(System.Logger.Level.WARNING, "Killing a worker to free memory: " + cause);
      scheduler.killWorker(victim.workerId());
      quietUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "memory check failed: " + e);
    }
  }

  /** Memory in use now: the workers' against the limit, or the machine's (or cgroup's). */
  Usage usage() {
    if (settings.workerLimitBytes() > 0) {
      long rss = 0;
      for (long pid : scheduler.workerPids()) {
        rss += residentBytes(pid);
      }
      return new Usage(rss, settings.workerLimitBytes());
    }
    Usage cgroup = cgroupUsage();
    return cgroup != null ? cgroup : machineUsage();
  }

  private long residentBytes(long pid) {
    try {
      String[] statm = Files.readString(Path.of("/proc/" + pid + "/statm")).trim().split("\\s+");
      return Long.parseLong(statm[1]) * pageSize;
    } catch (IOException | RuntimeException e) {
      return 0; // the process just exited
    }
  }

  private static Usage cgroupUsage() {
    try {
      Path max = Path.of("/sys/fs/cgroup/memory.max");
      Path current = Path.of("/sys/fs/cgroup/memory.current");
      if (!Files.exists(max) || !Files.exists(current)) {
        return null;
      }
      String m = Files.readString(max).trim();
      if (m.equals("max")) {
        return null;
      }
      // Page cache the kernel can drop is not use (shared memory, the object store, is).
      long cache = 0;
      for (String line : readLines(Path.of("/sys/fs/cgroup/memory.stat"))) {
        if (line.startsWith("active_file ") || line.startsWith("inactive_file ")) {
          cache += Long.parseLong(line.substring(line.indexOf(' ') + 1).trim());
        }
      }
      long used = Long.parseLong(Files.readString(current).trim()) - cache;
      return new Usage(Math.max(0, used), Long.parseLong(m));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Usage machineUsage() {
    return machineUsage(readLines(Path.of("/proc/meminfo")));
  }

  /** Used = MemTotal - MemAvailable, from {@code /proc/meminfo}'s lines. */
  static Usage machineUsage(List<String> meminfo) {
    long total = -1;
    long available = -1;
    for (String line : meminfo) {
      if (line.startsWith("MemTotal:")) {
        total = kib(line);
      } else if (line.startsWith("MemAvailable:")) {
        available = kib(line);
      }
    }
    return total <= 0 || available < 0 ? null : new Usage(total - available, total);
  }

  private static long kib(String line) {
    String[] parts = line.split("\\s+");
    return Long.parseLong(parts[1]) * 1024;
  }

  private static List<String> readLines(Path p) {
    try {
      return Files.readAllLines(p);
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
