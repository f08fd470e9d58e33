package io.glint.internal.runtime.cluster;

import java.nio.file.Path;
import java.util.List;

/**
 * The control service as a process of its own ({@code ControlMain}) on a fixed address and storage,
 * so that it can be killed and started again on the same state: what tests use to show that a
 * cluster survives its control service.
 */
public final class ControlProcess implements AutoCloseable {
  /** How to start it: where it listens, its token, where its state lives, its node timeout. */
  public record Spec(
      String host,
      int port,
      Path tokenFile,
      String storage,
      long nodeTimeoutMs,
      Path sessionDir,
      List<String> classPath) {}

  private final Spec spec;
  private volatile Process process;

  private ControlProcess(Spec spec) {
    this.spec = spec;
  }

  /** Starts the service; returns once it listens. */
  public static ControlProcess start(Spec spec) {
    ControlProcess c = new ControlProcess(spec);
    c.launch();
    return c;
  }

  private void launch() {
    Path ready = spec.sessionDir().resolve("control.ready");
    Path log = spec.sessionDir().resolve("logs").resolve("control.log");
    List<String> cmd =
        new java.util.ArrayList<>(
            NodeProcess.javaCommand(
                spec.classPath(), "io.glint.internal.runtime.control.ControlMain"));
    cmd.add("--host=" + spec.host());
    cmd.add("--port=" + spec.port());
    cmd.add("--token-file=" + spec.tokenFile());
    cmd.add("--ready-file=" + ready);
    cmd.add("--node-timeout-ms=" + spec.nodeTimeoutMs());
    cmd.add("--storage=" + spec.storage());
    Process p = NodeProcess.launch(cmd, ready, log);
    NodeProcess.awaitReady(p, ready, log, "The control service");
    process = p;
  }

  public String address() {
    return spec.host() + ":" + spec.port();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** kill -9: the service dies at once; nodes and drivers keep running and retry. */
  public void kill() {
    process.destroyForcibly();
    NodeProcess.waitFor(process, 10);
  }

  /** Starts the service again on the same address and storage (after {@link #kill()}). */
  public void restart() {
    if (process.isAlive()) {
      throw new IllegalStateException("the control service still runs (pid " + pid() + ")");
    }
    launch();
  }

  /** SIGTERM, then kill -9 if it does not end. */
  @Override
  public void close() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    if (!NodeProcess.waitFor(p, 20)) {
      kill();
    }
  }

  @Override
  public String toString() {
    return "control service " + address() + " (" + spec.storage() + ")";
  }
}
