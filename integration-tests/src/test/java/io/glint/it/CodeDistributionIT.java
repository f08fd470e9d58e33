package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver's code reaches workers on every node without anyone copying it: its task classes exist
 * only in a jar inside the driver's own mount namespace (no node can see the file), and its tasks
 * still run on all three nodes, each node fetching the jar once from the driver.
 */
class CodeDistributionIT {
  @TempDir Path tmp;

  private static final String SOURCE =
      """
      package drv;

      import io.glint.api.Glint;
      import io.glint.api.ObjectRef;
      import io.glint.api.SchedulingStrategy;
      import java.util.ArrayList;
      import java.util.List;
      import java.util.TreeSet;

      public final class Job {
        public static String where(int i) throws Exception {
          Thread.sleep(300);
          return Glint.getRuntimeContext().getNodeId();
        }

        public static void main(String[] args) {
          Glint.init();
          List<ObjectRef<String>> refs = new ArrayList<>();
          for (int i = 0; i < 6; i++) {
            refs.add(
                Glint.task(Job::where, i)
                    .setSchedulingStrategy(SchedulingStrategy.spread())
                    .remote());
          }
          System.out.println("nodes " + new TreeSet<>(Glint.get(refs, 120_000)).size());
          if (args.length > 0) {
            // Python modules of the driver's python path reach every node too.
            var where = io.glint.api.PyFunction.of("hiddenmod", "where", String.class);
            List<ObjectRef<String>> py = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
              py.add(
                  Glint.task(where).setSchedulingStrategy(SchedulingStrategy.spread()).remote());
            }
            for (String f : Glint.get(py, 120_000)) {
              System.out.println("python module at " + f);
            }
          }
          Glint.shutdown();
        }
      }
      """;

  private static boolean pythonWorks() {
    try {
      io.glint.testing.PythonSupport.assumeAvailable();
      return true;
    } catch (org.opentest4j.TestAbortedException e) {
      return false;
    }
  }

  @Test
  void aDriverOnlyJarRunsOnEveryNode() throws Exception {
    Assumptions.assumeTrue(
        TestCluster.privateStoresAvailable(), "a private mount namespace needs unshare and root");
    Path src = Files.createDirectories(tmp.resolve("src/drv"));
    Files.writeString(src.resolve("Job.java"), SOURCE);
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
                src.resolve("Job.java").toString());
    assertThat(rc).isZero();
    Path jar = tmp.resolve("job.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    }
    Path hidden = Files.createDirectories(tmp.resolve("hidden"));
    try (TestCluster cluster =
        TestCluster.builder()
            .nodeProcesses(true)
            .nodes(3)
            .cpusPerNode(2)
            .objectStoreMemory(128L << 20)
            .connectDriver(false)
            .start()) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      // The jar exists only in the driver's mount namespace, on a tmpfs over `hidden`.
      boolean python = pythonWorks();
      Path pyDir = Files.createDirectories(tmp.resolve("py"));
      Files.writeString(pyDir.resolve("hiddenmod.py"), "def where():\n    return __file__\n");
      String script =
          "mount -t tmpfs glint-code "
              + hidden
              + " && cp "
              + jar
              + " "
              + hidden
              + "/job.jar && mkdir "
              + hidden
              + "/py && cp "
              + pyDir.resolve("hiddenmod.py")
              + " "
              + hidden
              + "/py/ && exec \"$@\"";
      ProcessBuilder pb =
          new ProcessBuilder(
                  "unshare",
                  "--mount",
                  "--propagation",
                  "private",
                  "sh",
                  "-c",
                  script,
                  "sh",
                  java,
                  "--enable-native-access=ALL-UNNAMED",
                  "--sun-misc-unsafe-memory-access=allow",
                  "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                  "-cp",
                  hidden + "/job.jar:" + System.getProperty("java.class.path"),
                  "drv.Job")
              .redirectErrorStream(true);
      pb.environment().put("GLINT_ADDRESS", cluster.address());
      pb.environment().put("GLINT_TOKEN", cluster.token());
      pb.environment().put("GLINT_LOG_TO_DRIVER", "false");
      pb.environment().put("GLINT_PYTHON_PATH", hidden + "/py");
      if (python) {
        pb.command().add("python");
      }
      Process p = pb.start();
      String out;
      try (var in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(out).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("nodes 3");
      if (python) {
        // Each node ran the module from its own unpacked copy of the package, not the driver's.
        List<String> files =
            out.lines()
                .filter(l -> l.startsWith("python module at "))
                .map(l -> l.substring("python module at ".length()))
                .toList();
        assertThat(files).hasSize(6).allSatisfy(f -> assertThat(f).contains("/packages/"));
      }
      // Outside the driver's namespace the jar's directory is empty...
      try (Stream<Path> s = Files.list(hidden)) {
        assertThat(s.toList()).isEmpty();
      }
      // ...and the nodes fetched it into their package cache.
      List<Path> cached;
      try (Stream<Path> s = Files.walk(cluster.sessionDir().resolve("packages"))) {
        cached = s.filter(f -> f.toString().endsWith(".jar")).toList();
      }
      assertThat(cached).isNotEmpty();
    }
  }
}
