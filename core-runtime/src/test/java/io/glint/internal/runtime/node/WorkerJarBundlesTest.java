package io.glint.internal.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerJarBundlesTest {
  @TempDir Path tmp;

  private Path jar(String name, boolean multiRelease, Map<String, String> entries)
      throws IOException {
    Path p = tmp.resolve(name);
    Manifest m = new Manifest();
    m.getMainAttributes().putValue("Manifest-Version", "1.0");
    if (multiRelease) {
      m.getMainAttributes().putValue("Multi-Release", "true");
    }
    try (OutputStream f = Files.newOutputStream(p);
        JarOutputStream out = new JarOutputStream(f, m)) {
      for (Map.Entry<String, String> e : entries.entrySet()) {
        out.putNextEntry(new JarEntry(e.getKey()));
        out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(3600)));
    return p;
  }

  private static Map<String, String> entries(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static String read(JarFile j, String name) throws IOException {
    JarEntry e = j.getJarEntry(name);
    return e == null
        ? null
        : new String(j.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void aBundleReadsAsItsJarsDidInTheirOrder() throws Exception {
    Path a =
        jar(
            "a.jar",
            false,
            entries("shared.txt", "from a", "META-INF/services/S", "p.A", "only-a.txt", "a"));
    Path b = jar("b.jar", false, entries("shared.txt", "from b", "META-INF/services/S", "p.B\n"));
    Path c =
        jar(
            "c.jar",
            true,
            entries(
                "v.txt", "base c",
                "META-INF/versions/11/v.txt", "v11 c",
                "w.txt", "base w c",
                "META-INF/versions/999/w.txt", "future",
                // a is first with shared.txt: c's version of it is never read
                "META-INF/versions/11/shared.txt", "v11 shared c"));
    Path d = jar("d.jar", false, entries("v.txt", "base d", "module-info.class", "x"));
    Path bundle = tmp.resolve("bundle.jar");

    WorkerJarBundles.merge(List.of(a, b, c, d), bundle, Runtime.version().feature());

    try (JarFile j = new JarFile(bundle.toFile(), true, ZipFile.OPEN_READ, Runtime.version())) {
      assertThat(j.isMultiRelease()).isTrue();
      assertThat(read(j, "shared.txt")).isEqualTo("from a");
      assertThat(read(j, "only-a.txt")).isEqualTo("a");
      assertThat(read(j, "v.txt")).isEqualTo("v11 c");
      assertThat(read(j, "w.txt")).isEqualTo("base w c");
      assertThat(read(j, "module-info.class")).isNull();
      assertThat(read(j, "META-INF/services/S").lines().filter(l -> !l.isBlank()))
          .containsExactly("p.A", "p.B");
    }
  }

  @Test
  void longRunsOfSettledUnsignedJarsAreReplacedOnceTheirBundleIsBuilt() throws Exception {
    List<String> cp = new ArrayList<>();
    for (int i = 0; i < WorkerJarBundles.MIN_RUN; i++) {
      cp.add(jar("lib" + i + ".jar", false, entries("c" + i + ".txt", "" + i)).toString());
    }
    Path signed = jar("signed.jar", false, entries("META-INF/SIGNER.SF", "sig", "s.txt", "s"));
    cp.add(signed.toString());
    Path fresh = jar("fresh.jar", false, entries("f.txt", "f"));
    Files.setLastModifiedTime(fresh, FileTime.from(Instant.now()));
    cp.add(fresh.toString());
    cp.add(tmp.toString()); // a directory
    ExecutorService io = Executors.newSingleThreadExecutor();
    try {
      Path dir = tmp.resolve("cache").resolve("jars");
      WorkerJarBundles bundles = new WorkerJarBundles(dir, io);
      assertThat(bundles.classPath(cp)).isEqualTo(cp); // building meanwhile
      long deadline = System.nanoTime() + 30_000_000_000L;
      List<String> now = bundles.classPath(cp);
      while (now.equals(cp) && System.nanoTime() < deadline) {
        Thread.sleep(20);
        now = bundles.classPath(cp);
      }
      assertThat(now).hasSize(4);
      assertThat(now.get(0)).startsWith(dir.toString()).endsWith(".jar");
      assertThat(now.subList(1, 4))
          .containsExactly(signed.toString(), fresh.toString(), tmp.toString());
      try (JarFile j = new JarFile(now.get(0))) {
        assertThat(read(j, "c0.txt")).isEqualTo("0");
        assertThat(read(j, "c" + (WorkerJarBundles.MIN_RUN - 1) + ".txt")).isNotNull();
      }
    } finally {
      io.shutdownNow();
    }
  }

  @Test
  void pruningRemovesOnlyBundlesBeyondTheKeptOnesThatNobodyUsedForADay() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("jars"));
    Instant now = Instant.now();
    int n = WorkerJarBundles.KEPT + 3;
    for (int i = 0; i < n; i++) {
      Path b = Files.write(dir.resolve("b" + i + ".jar"), new byte[] {1});
      Path used = Files.write(dir.resolve("b" + i + ".used"), new byte[0]);
      // b0 and b1 were last used two days ago; the others within the hour.
      Instant when = i < 2 ? now.minusSeconds(2 * 86_400) : now.minusSeconds(60 * i);
      Files.setLastModifiedTime(used, FileTime.from(when));
      Files.setLastModifiedTime(b, FileTime.from(now.minusSeconds(3 * 86_400)));
    }
    WorkerJarBundles.prune(dir, now);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".jar")))
          .hasSize(n - 2)
          .doesNotContain("b0.jar", "b1.jar");
    }
  }

  @Test
  void shortClassPathsAndOffAreLeftAsTheyAre() throws Exception {
    List<String> cp = List.of(jar("one.jar", false, entries("x", "y")).toString());
    assertThat(new WorkerJarBundles(tmp.resolve("jars"), Runnable::run).classPath(cp))
        .isEqualTo(cp);
    Properties off = new Properties();
    off.setProperty(WorkerJarBundles.PROPERTY, "off");
    assertThat(WorkerJarBundles.configuredDir(tmp.resolve("aot"), Map.of(), off)).isNull();
    assertThat(WorkerJarBundles.configuredDir(tmp.resolve("aot"), Map.of(), new Properties()))
        .isEqualTo(tmp.resolve("aot").resolve("jars"));
    assertThat(WorkerJarBundles.configuredDir(null, Map.of(), new Properties())).isNull();
  }
}
