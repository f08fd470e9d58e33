package io.glint.internal.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded interpreter, in this JVM. Needs the venv's python (scripts/test provides it). */
class EmbeddedPythonTest {
  static EmbeddedPython py;

  @BeforeAll
  static void start() {
    String python = System.getProperty("glint.python", System.getenv("GLINT_PYTHON_EXECUTABLE"));
    if (python == null || python.isBlank() || !Files.isExecutable(Path.of(python))) {
      if (Boolean.getBoolean("glint.requirePython")) {
        throw new AssertionError("glint.requirePython is set but -Dglint.python is not");
      }
      org.junit.jupiter.api.Assumptions.abort(
          "no Python configured (-Dglint.python); run scripts/test");
    }
    py = EmbeddedPython.start(EmbeddedPython.locate(Path.of(python)), List.of());
  }

  /** MessagePack of a small non-negative int (positive fixint) or a short str. */
  static byte[] mp(Object v) {
    if (v instanceof Integer i && i >= 0 && i < 128) {
      return new byte[] {(byte) (int) i};
    }
    byte[] s = ((String) v).getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[s.length + 1];
    out[0] = (byte) (0xa0 | s.length);
    System.arraycopy(s, 0, out, 1, s.length);
    return out;
  }

  @Test
  void callsAPythonFunction() {
    assertThat(py.call("operator", "add", List.of(mp(2), mp(3)))).containsExactly(0, 5);
    assertThat(py.location().version()).startsWith("3.");
  }

  @Test
  void pythonExceptionsComeBackAsData() {
    byte[] r = py.call("builtins", "int", List.of(mp("not a number")));
    assertThat(r[0]).isEqualTo((byte) 1);
    String text = new String(r, StandardCharsets.ISO_8859_1);
    assertThat(text).contains("ValueError").contains("invalid literal").contains("Traceback");
  }

  @Test
  void actorsKeepState() {
    py.createActor("a1", "collections", "Counter", List.of());
    py.callActor("a1", "update", List.of(mp("abca")));
    assertThat(py.callActor("a1", "total", List.of())).containsExactly(0, 4);
  }

  @Test
  void manyJavaThreadsTakeTurnsUnderTheGil() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<byte[]>> fs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        int n = i % 100;
        fs.add(
            pool.submit(
                (Callable<byte[]>) () -> py.call("operator", "add", List.of(mp(n), mp(1)))));
      }
      for (int i = 0; i < 200; i++) {
        assertThat(fs.get(i).get()).containsExactly(0, (i % 100) + 1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anInterpreterWithoutSharedLibraryIsRefusedClearly() {
    assertThatThrownBy(() -> EmbeddedPython.locate(Path.of("/nonexistent/python3")))
        .hasMessageContaining("glint.python.executable");
  }
}
