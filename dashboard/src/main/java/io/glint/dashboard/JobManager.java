package io.glint.dashboard;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Jobs in Ray's shape: a submitted entrypoint (a shell command) runs on the head as a driver of
 * this cluster (GLINT_ADDRESS and GLINT_TOKEN set), in its working directory, with its output
 * captured to a log; states PENDING, RUNNING, then SUCCEEDED, FAILED or STOPPED.
 */
final class JobManager implements AutoCloseable {
  enum Status {
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    STOPPED;

    boolean terminal() {
      return this == SUCCEEDED || this == FAILED || this == STOPPED;
    }
  }

  /** One job; mutable fields guarded by the manager. */
  static final class Job {
    final String id;
    final String entrypoint;
    final Map<String, String> env;
    final Map<String, String> metadata;
    final Path workingDir;
    final Path log;
    Status status = Status.PENDING;
    String message = "";
    Instant start = Instant.now();
    Instant end;
    Process process;

    /** The driver's pid and start, kept across head restarts (the process is not a child then). */
    long pid;

    Instant pidStart;
    boolean stopRequested;

    Job(
        String id,
        String entrypoint,
        Map<String, String> env,
        Map<String, String> metadata,
        Path workingDir,
        Path log) {
      this.id = id;
      this.entrypoint = entrypoint;
      this.env = env;
      this.metadata = metadata;
      this.workingDir = workingDir;
      this.log = log;
    }
  }

  private final Path dir;
  private final String controlAddress;
  private final String token;
  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private final JobPackages packages;
  private final JobRecords records;

  JobManager(Path dir, String controlAddress, String token, JobRecords records) {
    this.dir = dir;
    this.packages = new JobPackages(dir.resolve("packages"));
    this.records = records;
    for (Map<String, Object> r : records.load()) {
      Job j = restore(r);
      jobs.put(j.id, j);
    }
    this.controlAddress = controlAddress;
    this.token = token;
  }

  JobPackages packages() {
    return packages;
  }

  /** Starts a job; the error text names the problem when the request is refused. */
  synchronized Job submit(
      String id,
      String entrypoint,
      String workingDir,
      Map<String, String> env,
      Map<String, String> metadata) {
    if (entrypoint == null || entrypoint.isBlank()) {
      throw new IllegalArgumentException("entrypoint is required (the command the job runs)");
    }
    if (id == null || id.isBlank()) {
      id = "glint_job_" + Long.toHexString(System.nanoTime()) + Integer.toHexString(jobs.size());
    } else if (!id.matches("[A-Za-z0-9_.-]{1,128}")) {
      throw new IllegalArgumentException(
          "submission_id '" + id + "' may hold letters, digits, '_', '.' and '-' only");
    }
    if (jobs.containsKey(id)) {
      throw new IllegalArgumentException("a job with submission_id '" + id + "' already exists");
    }
    Path cwd;
    try {
      Files.createDirectories(dir);
      if (workingDir == null || workingDir.isBlank()) {
        cwd = Files.createDirectories(dir.resolve(id));
      } else if (workingDir.startsWith(JobPackages.SCHEME)) {
        // Uploaded from the submitter's machine: a fresh copy of it for this job.
        cwd = Files.createDirectories(dir.resolve(id));
        packages.extract(workingDir, cwd);
      } else {
        cwd = Path.of(workingDir);
        if (!Files.isDirectory(cwd)) {
          throw new IllegalArgumentException(
              "working_dir '" + workingDir + "' is not a directory on the head");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Job j =
        new Job(
            id, entrypoint, Map.copyOf(env), Map.copyOf(metadata), cwd, dir.resolve(id + ".log"));
    jobs.put(id, j);
    ProcessBuilder pb =
        new ProcessBuilder("/bin/sh", "-c", entrypoint)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(j.log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(env);
    pb.environment().put("GLINT_ADDRESS", controlAddress);
    pb.environment().put("GLINT_TOKEN", token);
    pb.environment().put("GLINT_JOB_SUBMISSION_ID", id);
    try {
      j.process = pb.start();
      j.pid = j.process.pid();
      j.pidStart = j.process.info().startInstant().orElse(null);
      j.status = Status.RUNNING;
      j.process.onExit().thenRun(() -> exited(j));
    } catch (IOException e) {
      j.status = Status.FAILED;
      j.message = "cannot start the entrypoint: " + e.getMessage();
      j.end = Instant.now();
    }
    records.save(view(j));
    return j;
  }

  private synchronized void exited(Job j) {
    int code = j.process.exitValue();
    j.end = Instant.now();
    if (j.stopRequested) {
      j.status = Status.STOPPED;
      j.message = "stopped by request";
    } else if (code == 0) {
      j.status = Status.SUCCEEDED;
      j.message = "the entrypoint exited with code 0";
    } else {
      j.status = Status.FAILED;
      j.message = "the entrypoint exited with code " + code;
    }
    records.save(view(j));
    notifyAll();
  }

  synchronized Job get(String id) {
    return jobs.get(id);
  }

  synchronized List<Job> all() {
    return new ArrayList<>(jobs.values());
  }

  /** Stops a running job (its whole process tree); false when it had already ended. */
  boolean stop(String id) {
    Process p;
    synchronized (this) {
      Job j = jobs.get(id);
      if (j == null || j.status.terminal() || j.process == null) {
        return false;
      }
      j.stopRequested = true;
      p = j.process;
    }
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    tree.forEach(ProcessHandle::destroy);
    p.destroy();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        tree.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tree.forEach(ProcessHandle::destroyForcibly);
    return true;
  }

  /** Deletes a finished job and its log; refused (false) while it runs. */
  synchronized boolean delete(String id) {
    Job j = jobs.get(id);
    if (j == null || !j.status.terminal()) {
      return false;
    }
    jobs.remove(id);
    records.delete(id);
    try {
      Files.deleteIfExists(j.log);
    } catch (IOException ignored) {
      // best effort
    }
    return true;
  }

  /** The job's output so far, from byte {@code from}. */
  static byte[] logs(Job j, long from) throws IOException {
    if (!Files.exists(j.log)) {
      return new byte[0];
    }
    try (var ch = java.nio.channels.FileChannel.open(j.log)) {
      long size = ch.size();
      if (from >= size) {
        return new byte[0];
      }
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) Math.min(size - from, 8 << 20));
      ch.read(b, from);
      return java.util.Arrays.copyOf(b.array(), b.position());
    }
  }

  /** Waits up to {@code millis} for the job to end. */
  synchronized void awaitEnd(Job j, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (!j.status.terminal()) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return;
      }
      wait(left);
    }
  }

  static Map<String, Object> view(Job j) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("submission_id", j.id);
    m.put("entrypoint", j.entrypoint);
    m.put("status", j.status.name());
    m.put("message", j.message);
    m.put("start_time", j.start.toEpochMilli());
    m.put("end_time", j.end == null ? null : j.end.toEpochMilli());
    m.put("metadata", j.metadata);
    m.put("runtime_env", Map.of("working_dir", j.workingDir.toString(), "env_vars", j.env));
    m.put("driver_pid", j.pid == 0 ? null : j.pid);
    m.put("driver_start", j.pidStart == null ? null : j.pidStart.toEpochMilli());
    return m;
  }

  /**
   * A job recorded by an earlier run of the head. One that was still running lost its supervisor
   * with the head: its driver (if it still runs) is stopped and the job marked FAILED, saying so.
   */
  private Job restore(Map<String, Object> r) {
    @SuppressWarnings("unchecked")
    Map<String, Object> env = (Map<String, Object>) r.getOrDefault("runtime_env", Map.of());
    String id = (String) r.get("submission_id");
    Job j =
        new Job(
            id,
            (String) r.get("entrypoint"),
            strings(env.get("env_vars")),
            strings(r.get("metadata")),
            Path.of(String.valueOf(env.getOrDefault("working_dir", dir.resolve(id).toString()))),
            dir.resolve(id + ".log"));
    j.status = Status.valueOf((String) r.get("status"));
    j.message = String.valueOf(r.getOrDefault("message", ""));
    j.start = Instant.ofEpochMilli(((Number) r.get("start_time")).longValue());
    j.end =
        r.get("end_time") == null
            ? null
            : Instant.ofEpochMilli(((Number) r.get("end_time")).longValue());
    j.pid = r.get("driver_pid") == null ? 0 : ((Number) r.get("driver_pid")).longValue();
    j.pidStart =
        r.get("driver_start") == null
            ? null
            : Instant.ofEpochMilli(((Number) r.get("driver_start")).longValue());
    if (!j.status.terminal()) {
      var alive =
          ProcessHandle.of(j.pid)
              .filter(ProcessHandle::isAlive)
              .filter(
                  p ->
                      j.pidStart != null
                          && p.info()
                              .startInstant()
                              .map(
                                  t ->
                                      Math.abs(t.toEpochMilli() - j.pidStart.toEpochMilli()) < 1000)
                              .orElse(false));
      alive.ifPresent(
          p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
          });
      j.status = Status.FAILED;
      j.end = Instant.now();
      j.message =
          alive.isPresent()
              ? "the head restarted while the job ran; its driver was stopped"
              : "the head restarted while the job ran; its driver had ended (exit code unknown)";
      records.save(view(j));
    }
    return j;
  }

  private static Map<String, String> strings(Object o) {
    Map<String, String> out = new LinkedHashMap<>();
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    }
    return out;
  }

  @Override
  public void close() {
    for (Job j : all()) {
      stop(j.id);
    }
  }
}
