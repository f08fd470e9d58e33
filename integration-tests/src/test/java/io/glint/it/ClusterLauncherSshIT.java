package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code glint up} with the {@code local} provider's {@code head_ip}/{@code worker_ips} pointing at
 * a real OpenSSH server on loopback, logging in to a separate account whose home is the nodes'
 * root: file mounts and setup commands land in that account, the head's autoscaler starts the
 * worker over SSH, {@code glint submit} runs a jar on the cluster, and {@code glint down} leaves no
 * process of that account behind.
 */
class ClusterLauncherSshIT {
  @TempDir Path work;

  private static int sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    if (rc != 0) {
      System.err.println(String.join(" ", cmd) + " -> " + rc + ": " + out);
    }
    return rc;
  }

  private record Run(int code, String out) {}

  private Run glint(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ClusterLauncherIT.GLINT.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
    pb.environment().remove("GLINT_ADDRESS");
    pb.environment().remove("GLINT_TOKEN");
    pb.environment().put("GLINT_CLUSTER_STATE_DIR", work.resolve("state").toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as(out).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void upRunsSetupOverSshSubmitRunsAJarAndDownLeavesNothing() throws Exception {
    Assumptions.assumeTrue(
        "0"
            .equals(
                new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes())
                    .strip()),
        "making a user account needs root");
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/sshd")), "openssh-server is not installed");
    String user = "glintnode" + ThreadLocalRandom.current().nextInt(100_000, 999_999);
    Path home = Files.createTempDirectory(Path.of("/tmp"), "glint-node-");
    Process sshd = null;
    try {
      assertThat(sh("useradd", "-M", "-d", home.toString(), "-s", "/bin/bash", user)).isZero();
      assertThat(sh("usermod", "-p", "*", user)).isZero();
      Path ssh = Files.createDirectories(home.resolve(".ssh"));
      assertThat(
              sh(
                  "ssh-keygen",
                  "-q",
                  "-t",
                  "ed25519",
                  "-N",
                  "",
                  "-f",
                  work.resolve("id_ed25519").toString()))
          .isZero();
      assertThat(
              sh(
                  "ssh-keygen",
                  "-q",
                  "-t",
                  "ed25519",
                  "-N",
                  "",
                  "-f",
                  work.resolve("host_key").toString()))
          .isZero();
      Files.copy(work.resolve("id_ed25519.pub"), ssh.resolve("authorized_keys"));
      assertThat(sh("chown", "-R", user + ":" + user, home.toString())).isZero();
      Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
      int port;
      try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      String headIp = "127.0.44.1";
      String workerIp = "127.0.44.2";
      Files.writeString(
          work.resolve("sshd_config"),
          String.join(
              "\n",
              "Port " + port,
              "ListenAddress " + headIp,
              "ListenAddress " + workerIp,
              "HostKey " + work.resolve("host_key"),
              "PidFile " + work.resolve("sshd.pid"),
              "UsePAM no",
              "StrictModes no",
              "PasswordAuthentication no",
              "KbdInteractiveAuthentication no",
              "PubkeyAuthentication yes",
              "AuthorizedKeysFile .ssh/authorized_keys",
              "AllowUsers " + user,
              "Subsystem sftp /usr/lib/openssh/sftp-server",
              ""));
      Files.createDirectories(Path.of("/run/sshd"));
      sshd =
          new ProcessBuilder(
                  "/usr/sbin/sshd",
                  "-D",
                  "-f",
                  work.resolve("sshd_config").toString(),
                  "-E",
                  work.resolve("sshd.log").toString())
              .redirectErrorStream(true)
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(headIp, port), 500);
          break;
        } catch (java.io.IOException e) {
          assertThat(System.nanoTime()).as("sshd listens").isLessThan(deadline);
          assertThat(sshd.isAlive()).as("sshd runs: " + readOr(work.resolve("sshd.log"))).isTrue();
          Thread.sleep(200);
        }
      }
      Path dist =
          Path.of("..", "dist", "target", "glint-0.1.0-SNAPSHOT.tar.gz")
              .toAbsolutePath()
              .normalize();
      Path config = work.resolve("ssh.yaml");
      Files.writeString(
          config,
          """
          cluster_name: sshc
          max_workers: 1
          provider:
            type: local
            head_ip: %s
            worker_ips: [%s]
          auth:
            ssh_user: %s
            ssh_private_key: %s
            ssh_port: %d
          available_node_types:
            head:
              node_config: {}
              resources: {CPU: 0, object_store_memory: 67108864}
              max_workers: 0
            worker:
              node_config: {}
              resources: {CPU: 2, object_store_memory: 67108864}
              min_workers: 1
              max_workers: 1
          file_mounts:
            ~/glint.tar.gz: %s
          setup_commands:
            - mkdir -p ~/glint-$GLINT_NODE_IP_ADDRESS && tar xzf ~/glint.tar.gz -C ~/glint-$GLINT_NODE_IP_ADDRESS
            - echo 'export JAVA_HOME=%s' > ~/.profile
            - echo 'export PATH="$HOME/glint-$GLINT_NODE_IP_ADDRESS/glint-0.1.0-SNAPSHOT/bin:$PATH"' >> ~/.profile
          """
              .formatted(
                  headIp,
                  workerIp,
                  user,
                  work.resolve("id_ed25519"),
                  port,
                  dist,
                  System.getProperty("java.home")));
      Run up = glint("up", config.toString(), "--yes");
      assertThat(up.code()).as(up.out()).isZero();
      assertThat(up.out()).contains("file mount").contains("$ mkdir -p ~/glint-").contains("is up");
      // The mounts and setup landed in the account, owned by it.
      assertThat(Files.getOwner(home.resolve("glint.tar.gz")).getName()).isEqualTo(user);
      assertThat(Files.readString(home.resolve(".profile"))).contains("JAVA_HOME");
      assertThat(home.resolve("glint_bootstrap_key.pem")).exists();

      // The head's autoscaler starts the worker (min_workers: 1) over SSH.
      String status = "";
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (System.nanoTime() < deadline) {
        status = glint("exec", config.toString(), "glint status").out();
        if (status.contains(workerIp) && status.matches("(?s).*\\n  1 worker\\n.*")) {
          break;
        }
        Thread.sleep(2_000);
      }
      assertThat(status).as(status).contains(workerIp).containsPattern("\\n  1 worker\\n");

      ClusterLauncherIT helper = new ClusterLauncherIT();
      Run submit = glint("submit", config.toString(), jar(helper).toString());
      assertThat(submit.code()).as(submit.out()).isZero();
      assertThat(submit.out()).contains("tasks ran on 1 nodes");

      Run down = glint("down", config.toString(), "--yes");
      assertThat(down.code()).as(down.out()).isZero();
      assertThat(down.out()).contains("2 nodes ended");
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (sh("pgrep", "-u", user) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
      assertThat(sh("pgrep", "-u", user)).as("no process of " + user + " is left").isEqualTo(1);
      assertThat(work.resolve("state/sshc")).doesNotExist();
    } finally {
      if (sshd != null) {
        sshd.destroy();
        sshd.waitFor(10, TimeUnit.SECONDS);
      }
      sh("pkill", "-9", "-u", user);
      Thread.sleep(200);
      sh("userdel", user);
      sh("rm", "-rf", home.toString());
    }
  }

  private Path jar(ClusterLauncherIT helper) throws Exception {
    helper.tmp = work;
    return helper.driverJar();
  }

  private static String readOr(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
