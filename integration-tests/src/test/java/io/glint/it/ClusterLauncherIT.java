package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code glint up/submit/exec/down} with the {@code local} provider, as a user runs them (the
 * installed distribution's {@code bin/glint}, real node daemons on addresses of their own): the
 * autoscaler grows the cluster for eight one-CPU tasks on two-CPU node types, shrinks it after the
 * idle timeout, and {@code glint status} shows each phase; a failing setup command names the node,
 * the command and its output.
 */
class ClusterLauncherIT {
  static final Path GLINT =
      Path.of("..", "dist", "target", "glint-0.1.0-SNAPSHOT", "bin", "glint")
          .toAbsolutePath()
          .normalize();

  @TempDir Path tmp;
  private final List<Path> configs = new ArrayList<>();

  private record Run(int code, String out) {}

  private ProcessBuilder glint(String... args) {
    List<String> cmd = new ArrayList<>(List.of(GLINT.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true);
    pb.environment().remove("GLINT_ADDRESS");
    pb.environment().remove("GLINT_TOKEN");
    pb.environment().put("GLINT_CLUSTER_STATE_DIR", tmp.resolve("state").toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return pb;
  }

  private Run run(String... args) throws Exception {
    Process p = glint(args).start();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as(out).isTrue();
    return new Run(p.exitValue(), out);
  }

  @AfterEach
  void down() throws Exception {
    for (Path c : configs) {
      run("down", c.toString(), "--yes");
    }
  }

  private Path config(String name, String extra) throws Exception {
    Path c = tmp.resolve(name + ".yaml");
    Files.writeString(
        c,
        """
        cluster_name: %s
        max_workers: 4
        idle_timeout_minutes: 0.1
        provider:
          type: local
        available_node_types:
          head:
            node_config: {}
            resources: {CPU: 0, object_store_memory: 67108864}
            max_workers: 0
          cpu2:
            node_config: {}
            resources: {CPU: 2, object_store_memory: 67108864}
            min_workers: 0
            max_workers: 4
        %s
        """
            .formatted(name, extra));
    configs.add(c);
    return c;
  }

  private static final String DRIVER =
      """
      package launch;

      import io.glint.api.Glint;
      import io.glint.api.ObjectRef;
      import java.util.ArrayList;
      import java.util.List;
      import java.util.TreeSet;

      public final class EightTasks {
        public static String work(int i) throws Exception {
          Thread.sleep(4_000);
          return Glint.getRuntimeContext().getNodeId();
        }

        public static void main(String[] args) {
          Glint.init();
          List<ObjectRef<String>> refs = new ArrayList<>();
          for (int i = 0; i < 8; i++) {
            refs.add(Glint.task(EightTasks::work, i).remote());
          }
          System.out.println("tasks ran on " + new TreeSet<>(Glint.get(refs, 240_000)).size() + " nodes");
          Glint.shutdown();
        }
      }
      """;

  Path driverJar() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/launch"));
    Files.writeString(src.resolve("EightTasks.java"), DRIVER);
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    int rc =
        ToolProvider.getSystemJavaCompiler()
            .run(
                null,
                null,
                null,
                "-d",
                classes.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                src.resolve("EightTasks.java").toString());
    assertThat(rc).isZero();
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "launch.EightTasks");
    Path jar = tmp.resolve("eight-tasks.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), m);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    }
    return jar;
  }

  /** The nodes the status's recent events say were launched. */
  private static int launchedNodes(String status) {
    Matcher m = Pattern.compile("launching (\\d+) cpu2 node").matcher(status);
    int n = 0;
    while (m.find()) {
      n += Integer.parseInt(m.group(1));
    }
    return n;
  }

  private static int healthy(String status, String type) {
    Matcher m = Pattern.compile("(?m)^  (\\d+) " + type + "$").matcher(status);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  @Test
  void theClusterGrowsForEightTasksAndShrinksWhenIdle() throws Exception {
    Path c = config("grow", "");
    Path jar = driverJar();
    Run dry = run("up", c.toString(), "--dry-run");
    assertThat(dry.code()).as(dry.out()).isZero();
    assertThat(dry.out()).contains("nothing was launched").contains("cpu2");
    assertThat(Files.exists(tmp.resolve("state/grow"))).isFalse();

    Run up = run("up", c.toString(), "--yes");
    assertThat(up.code()).as(up.out()).isZero();
    assertThat(up.out())
        .contains("waiting for it to answer")
        .contains("starting Glint")
        .contains("Glint cluster grow is up");
    Run ip = run("get-head-ip", c.toString());
    assertThat(ip.out().strip()).matches("127\\.\\d+\\.\\d+\\.1");
    Run before = run("exec", c.toString(), "glint status");
    assertThat(before.out()).contains("Autoscaler (cluster grow").contains("(no pending nodes)");
    assertThat(healthy(before.out(), "cpu2")).isZero();

    // The head has no CPU: the eight tasks wait until the autoscaler has launched workers.
    Process submit = glint("submit", c.toString(), jar.toString()).start();
    int most = 0;
    int launched = 0;
    boolean sawLaunching = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (submit.isAlive() && System.nanoTime() < deadline) {
      String s = run("exec", c.toString(), "glint status").out();
      sawLaunching |=
          s.contains("launching") || s.contains("setting-up") || s.contains("starting-glint");
      most = Math.max(most, healthy(s, "cpu2"));
      launched = Math.max(launched, launchedNodes(s));
      Thread.sleep(1_000);
    }
    String out;
    try (var in = submit.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(submit.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
    assertThat(submit.exitValue()).as(out).isZero();
    // Eight one-CPU tasks on two-CPU nodes: the autoscaler asks for more than one node (which of
    // them the tasks ran on depends on which joined first: a leased worker runs queued tasks too).
    assertThat(out).containsPattern("tasks ran on [1-4] nodes");
    assertThat(sawLaunching).as("status showed nodes being launched").isTrue();
    assertThat(launched).as("worker nodes launched").isGreaterThanOrEqualTo(2);
    assertThat(most).as("worker nodes healthy at the peak (max_workers: 4)").isBetween(1, 4);

    // Idle for the timeout (6 s), the workers end: min_workers is 0.
    String after = "";
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      after = run("exec", c.toString(), "glint status").out();
      if (healthy(after, "cpu2") == 0
          && after.contains("(no pending nodes)")
          && after.contains("ending")) {
        break;
      }
      Thread.sleep(1_000);
    }
    assertThat(healthy(after, "cpu2")).as(after).isZero();
    assertThat(after).contains("idle for");

    Run down = run("down", c.toString(), "--yes");
    assertThat(down.code()).as(down.out()).isZero();
    assertThat(down.out()).contains("Cluster grow is down");
    assertThat(Files.exists(tmp.resolve("state/grow"))).isFalse();
    String state = tmp.resolve("state").toString();
    assertThat(
            ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(x -> x.contains(state)).orElse(false))
                .map(h -> h.pid() + " " + h.info().commandLine().orElse(""))
                .toList())
        .as("no daemon of the cluster is left")
        .isEmpty();
    configs.clear();
  }

  @Test
  void aFailingSetupCommandNamesNodeCommandAndOutput() throws Exception {
    Path c = config("broken", "setup_commands:\n  - echo step-output; exit 3\n");
    Run up = run("up", c.toString(), "--yes");
    assertThat(up.code()).isEqualTo(2);
    assertThat(up.out())
        .contains("[head broken-1")
        .contains("the command 'echo step-output; exit 3' exited with 3")
        .contains("step-output");
    Run down = run("down", c.toString(), "--yes");
    assertThat(down.out()).contains("1 node ended");
    configs.clear();
  }

  @Test
  void aBrokenFileNamesKeyAndLine() throws Exception {
    Path c = config("typo", "idle_timeout_minute: 3\n");
    Run up = run("up", c.toString(), "--dry-run");
    assertThat(up.code()).isEqualTo(2);
    assertThat(up.out())
        .contains(
            "typo.yaml:16: idle_timeout_minute: unknown key (did you mean 'idle_timeout_minutes'?)");
    configs.clear();
  }
}
