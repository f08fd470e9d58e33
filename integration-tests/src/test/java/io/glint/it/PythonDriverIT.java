package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.PyActorMethod;
import io.glint.testing.GlintExtension;
import io.glint.testing.PythonSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Python driver ({@code import glint as ray}, a separate Python process hosting its own core
 * worker) and this Java driver on one two-node cluster of separate node processes: they share a
 * named actor both ways, and the Python driver calls a Java function and a Java actor.
 */
class PythonDriverIT {
  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(b -> b.nodes(2).cpusPerNode(2).nodeProcesses(true));

  @TempDir Path tmp;

  @BeforeAll
  static void needsPython() {
    PythonSupport.assumeAvailable();
  }

  private static final String PREAMBLE =
      """
      import glint as ray, os, sys
      ray.init(address=os.environ["GLINT_ADDRESS"], namespace="shared",
               job_config=ray.JobConfig(code_search_path=[os.environ["IT_CLASSES"]]))

      @ray.remote
      class Tally:
          def __init__(self):
              self.total = 0
          def add(self, n):
              self.total += n
              return self.total
      """;

  @Test
  void aPythonDriverAndAJavaDriverShareTheClusterAndANamedActor() throws Exception {
    String created =
        python(
            PREAMBLE
                + """
                t = Tally.options(name="tally", lifetime="detached").remote()
                print("python", ray.get(t.add.remote(1)))
                print("nodes", len([n for n in ray.nodes() if n["Alive"]]))
                ray.shutdown()
                """);
    assertThat(created).contains("python 1").contains("nodes 2");

    // This Java driver finds the Python driver's actor by name and calls its Python method.
    ActorHandle<Object> tally = Glint.<Object>getActor("tally", "shared").orElseThrow();
    Object total = Glint.get(tally.task(PyActorMethod.of("add", Long.class), 10L).remote());
    assertThat(total).isEqualTo(11L);

    // A new Python driver sees what the Java driver did.
    String seen =
        python(
            PREAMBLE
                + """
                t = ray.get_actor("tally")
                print("python", ray.get(t.add.remote(100)))
                ray.kill(t)
                ray.shutdown()
                """);
    assertThat(seen).contains("python 111");
  }

  @Test
  void aPythonDriverCallsAJavaFunctionAndAJavaActor() throws Exception {
    String out =
        python(
            PREAMBLE
                + """
                square = ray.cross_language.java_function("io.glint.it.Fns", "square")
                print("square", ray.get(square.remote(12)))
                Counter = ray.cross_language.java_actor_class("io.glint.it.Actors$Counter")
                c = Counter.remote(40)
                c.method("increment").remote()
                print("counter", ray.get(c.method("add").remote(1)))
                ray.shutdown()
                """);
    assertThat(out).contains("square 144").contains("counter 42");
  }

  /** Runs a Python driver script against this cluster; its standard output. */
  private String python(String script) throws IOException, InterruptedException {
    Path file = tmp.resolve("driver-" + System.nanoTime() + ".py");
    Files.writeString(file, script);
    String exe = System.getProperty("glint.python", "python3");
    ProcessBuilder pb = new ProcessBuilder(exe, file.toString()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("GLINT_ADDRESS", glint.cluster().address());
    env.put("GLINT_TOKEN", glint.cluster().token());
    env.put("IT_CLASSES", Path.of("target/test-classes").toAbsolutePath().toString());
    env.put("PYTHONPATH", Path.of("../python-bridge/python").toAbsolutePath().toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    String text = new String(output, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return String.join("\n", List.of(text.split("\n")));
  }
}
