package io.glint.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Whether tests that run Python code can run here. They need an interpreter with Glint's Python
 * requirements ({@code msgpack}): {@code -Dglint.python}, else {@code GLINT_PYTHON_EXECUTABLE},
 * else {@code python3} on the PATH. Without one a test is skipped, unless {@code
 * -Dglint.requirePython=true} (as {@code scripts/test} sets), where it fails.
 *
 * <pre>{@code
 * @BeforeAll
 * static void needsPython() {
 *   PythonSupport.assumeAvailable();
 * }
 * }</pre>
 */
public final class PythonSupport {
  private static volatile String problem;
  private static volatile boolean checked;

  private PythonSupport() {}

  /** Skips (or, when Python is required, fails) the calling test when Python cannot run. */
  public static void assumeAvailable() {
    String why = problem();
    if (why == null) {
      return;
    }
    if (Boolean.getBoolean("glint.requirePython")) {
      throw new AssertionError("glint.requirePython is set, but " + why);
    }
    Assumptions.abort("Python tests skipped: " + why + " (scripts/test sets one up)");
  }

  /** Null when Python can run Glint's code; else why not. */
  static synchronized String problem() {
    if (checked) {
      return problem;
    }
    checked = true;
    String configured = System.getProperty("glint.python", "");
    if (configured.isBlank()) {
      configured = System.getenv().getOrDefault("GLINT_PYTHON_EXECUTABLE", "");
    }
    String python = configured.isBlank() ? "python3" : configured;
    if (!configured.isBlank() && !Files.isExecutable(Path.of(configured))) {
      problem = "the configured Python " + configured + " is not an executable file";
      return problem;
    }
    try {
      Process p =
          new ProcessBuilder(python, "-c", "import msgpack")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        problem = python + " did not answer within 30 s";
      } else if (p.exitValue() != 0) {
        problem = python + " cannot import msgpack";
      }
    } catch (java.io.IOException e) {
      problem = "no Python interpreter (" + python + ": " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problem = "interrupted while looking for Python";
    }
    return problem;
  }
}
