package io.glint.internal.runtime.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassPathsTest {
  @TempDir Path tmp;

  private Path jar(Path file, String classPath) throws Exception {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (classPath != null) {
      m.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
    }
    try (OutputStream out = Files.newOutputStream(file);
        JarOutputStream j = new JarOutputStream(out, m)) {
      j.flush();
    }
    return file;
  }

  @Test
  void manifestClassPathsAreExpandedRelativeAndAbsolute() throws Exception {
    Files.createDirectories(tmp.resolve("lib"));
    Path dep = jar(tmp.resolve("lib/dep.jar"), null);
    Path abs = jar(tmp.resolve("abs.jar"), null);
    Path app = jar(tmp.resolve("app.jar"), "lib/dep.jar " + abs.toUri());
    List<String> cp = ClassPaths.forWorkers(List.of(app.toString()));
    assertThat(cp).contains(app.toString(), dep.toString(), abs.toString());
    assertThat(cp.indexOf(dep.toString())).isGreaterThan(cp.indexOf(app.toString()));
  }

  @Test
  void missingCodePathEntriesAreReported() {
    assertThatThrownBy(() -> ClassPaths.forWorkers(List.of(tmp.resolve("nope.jar").toString())))
        .hasMessageContaining("glint.job.codePath")
        .hasMessageContaining("nope.jar");
  }
}
