package io.glint.cluster.provider;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a pod's commands through the API server's exec ({@code kubectl exec}); copies files with the
 * client's tar-based upload and download (the image needs {@code tar}, as for {@code kubectl cp}).
 */
public final class KubernetesCommandRunner implements CommandRunner {
  private final KubernetesClient client;
  private final String namespace;
  private final String pod;
  private final Map<String, String> baseEnv;

  public KubernetesCommandRunner(
      KubernetesClient client, String namespace, String pod, Map<String, String> baseEnv) {
    this.client = client;
    this.namespace = namespace;
    this.pod = pod;
    this.baseEnv = Map.copyOf(baseEnv);
  }

  private String script(String command, Map<String, String> env) {
    return Shell.exports(baseEnv, env) + command;
  }

  @Override
  public Result run(String command, Map<String, String> env, Duration timeout) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ExecWatch w =
        client
            .pods()
            .inNamespace(namespace)
            .withName(pod)
            .writingOutput(out)
            .writingError(out)
            .exec("bash", "-lc", script(command, env))) {
      Integer code = w.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new Result(code == null ? 255 : code, out.toString(StandardCharsets.UTF_8).strip());
    } catch (java.util.concurrent.TimeoutException e) {
      return new Result(
          124,
          out.toString(StandardCharsets.UTF_8).strip()
              + "\n(ended after "
              + timeout.toSeconds()
              + " s)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(130, "interrupted");
    } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
      return new Result(255, "exec in pod " + pod + ": " + e.getMessage());
    }
  }

  /** Pods have no ~ for the API: home-relative paths are under /root unless absolute. */
  static String podPath(String remote) {
    return remote.startsWith("~/") ? "/root/" + remote.substring(2) : remote;
  }

  @Override
  public void copyUp(Path local, String remote) {
    var target = client.pods().inNamespace(namespace).withName(pod);
    boolean ok =
        Files.isDirectory(local)
            ? target.dir(podPath(remote)).upload(local)
            : target.file(podPath(remote)).upload(local);
    if (!ok) {
      throw new IllegalStateException(
          "copying " + local + " into pod " + pod + ":" + remote + " failed");
    }
  }

  @Override
  public void copyDown(String remote, Path local) {
    boolean ok =
        client.pods().inNamespace(namespace).withName(pod).file(podPath(remote)).copy(local);
    if (!ok) {
      throw new IllegalStateException(
          "copying pod " + pod + ":" + remote + " to " + local + " failed");
    }
  }

  @Override
  public boolean reachable() {
    var p = client.pods().inNamespace(namespace).withName(pod).get();
    return p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
  }

  @Override
  public int attach(Map<String, String> env) {
    try (ExecWatch w =
        client
            .pods()
            .inNamespace(namespace)
            .withName(pod)
            .redirectingInput()
            .writingOutput(System.out)
            .writingError(System.err)
            .withTTY()
            .exec("bash", "-l")) {
      Thread pump =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      System.in.transferTo(w.getInput());
                    } catch (java.io.IOException ignored) {
                      // the shell ended
                    }
                  });
      Integer code = w.exitCode().get();
      pump.interrupt();
      return code == null ? 0 : code;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("shell in pod " + pod + ": " + e.getMessage(), e);
    }
  }
}
