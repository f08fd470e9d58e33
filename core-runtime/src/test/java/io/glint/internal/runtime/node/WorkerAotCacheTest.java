package io.glint.internal.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerAotCacheTest {
  @TempDir Path tmp;

  @Test
  void theDirectoryComesFromTheSettingsAndOffTurnsCachesOff() {
    Properties none = new Properties();
    assertThat(WorkerAotCache.configuredDir(Map.of("XDG_CACHE_HOME", "/x"), none))
        .isEqualTo(Path.of("/x/glint/aot")); // on unless turned off
    assertThat(
            WorkerAotCache.configuredDir(
                Map.of("XDG_CACHE_HOME", "/x", WorkerAotCache.ENV, "on"), none))
        .isEqualTo(Path.of("/x/glint/aot"));
    assertThat(WorkerAotCache.configuredDir(Map.of(WorkerAotCache.ENV, "true"), none))
        .isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "glint", "aot"));
    assertThat(WorkerAotCache.configuredDir(Map.of(WorkerAotCache.ENV, "/env/dir"), none))
        .isEqualTo(Path.of("/env/dir"));
    Properties prop = new Properties();
    prop.setProperty(WorkerAotCache.PROPERTY, "off");
    assertThat(WorkerAotCache.configuredDir(Map.of(WorkerAotCache.ENV, "/env/dir"), prop)).isNull();
  }

  @Test
  void pruningKeepsTheMostRecentlyUsedCachesAndDropsCrashedTrainings() throws Exception {
    java.time.Instant now = java.time.Instant.now();
    for (int i = 0; i < 9; i++) {
      Path c = java.nio.file.Files.writeString(tmp.resolve("k" + i + ".aot"), "x");
      java.nio.file.Files.setLastModifiedTime(
          c, java.nio.file.attribute.FileTime.from(now.minusSeconds(100 - i)));
    }
    Path stale = java.nio.file.Files.writeString(tmp.resolve("k0.aot.tmp-1"), "x");
    java.nio.file.Files.setLastModifiedTime(
        stale, java.nio.file.attribute.FileTime.from(now.minusSeconds(7200)));
    Path training = java.nio.file.Files.writeString(tmp.resolve("k1.aot.tmp-2"), "x");
    Path other = java.nio.file.Files.writeString(tmp.resolve("notes.txt"), "x");
    WorkerAotCache.prune(tmp, 6, now);
    try (var left = java.nio.file.Files.list(tmp)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "k3.aot",
              "k4.aot",
              "k5.aot",
              "k6.aot",
              "k7.aot",
              "k8.aot",
              "k1.aot.tmp-2",
              "notes.txt");
    }
    assertThat(training).exists();
    assertThat(other).exists();
  }

  @Test
  void withoutCachesAWorkerStartsAsGiven() {
    List<String> cp = List.of(tmp.toString(), "lib.jar");
    WorkerAotCache.Plan plan =
        new WorkerAotCache(null, tmp, r -> {}).plan(List.of("java"), cp, "M");
    assertThat(plan.options()).isEmpty();
    assertThat(plan.classPath()).isEqualTo(cp);
  }

  @Test
  void aRebuiltJarGetsANewCache() throws Exception {
    Path jar = Files.write(tmp.resolve("app.jar"), new byte[] {1, 2, 3});
    List<String> cmd = List.of("java", "-XX:+UseSerialGC", "-cp", jar.toString());
    String before = WorkerAotCache.key(cmd);
    assertThat(WorkerAotCache.key(cmd)).isEqualTo(before);
    Files.setLastModifiedTime(
        jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 5000));
    assertThat(WorkerAotCache.key(cmd)).isNotEqualTo(before);
    assertThat(WorkerAotCache.key(List.of("java", "-Xmx1g", "-cp", jar.toString())))
        .isNotEqualTo(WorkerAotCache.key(cmd));
  }

  @Test
  void sessionsShareACacheThoughTheirCrashReportsGoToTheirOwnLogs() throws Exception {
    Path jar = Files.write(tmp.resolve("app.jar"), new byte[] {1, 2, 3});
    String first =
        WorkerAotCache.key(
            List.of(
                "java",
                "-XX:ErrorFile=/tmp/glint/session_1/logs/hs_err_pid%p.log",
                "-cp",
                jar.toString()));
    String second =
        WorkerAotCache.key(
            List.of(
                "java",
                "-XX:ErrorFile=/tmp/glint/session_2/logs/hs_err_pid%p.log",
                "-cp",
                jar.toString()));
    assertThat(second).isEqualTo(first);
  }

  @Test
  void aReadyCacheIsUsedAndAMissingOneIsTrainedOnce() throws Exception {
    Path dir = tmp.resolve("aot");
    Path jar = Files.write(tmp.resolve("lib.jar"), new byte[] {1});
    Path classes = Files.createDirectory(tmp.resolve("classes"));
    List<Runnable> trainings = new ArrayList<>();
    Executor later = trainings::add;
    WorkerAotCache cache = new WorkerAotCache(dir, tmp, later);
    List<String> opts = List.of("java", "-XX:+UseSerialGC");
    List<String> cp = List.of(classes.toString(), jar.toString());
    assertThat(cache.plan(opts, cp, "Main").options()).isEmpty();
    assertThat(cache.plan(opts, cp, "Main").options()).isEmpty();
    assertThat(trainings).hasSize(1); // one training per command, however many workers start
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
    // trained on the jars alone; the worker's class path then lists them first
    String key = WorkerAotCache.key(List.of("java", "-XX:+UseSerialGC", "-cp", jar.toString()));
    Path ready = Files.write(dir.resolve(key + ".aot"), new byte[] {0});
    WorkerAotCache.Plan plan = cache.plan(opts, cp, "Main");
    assertThat(plan.options()).containsExactly("-XX:AOTCache=" + ready, "-Xlog:aot=off,cds=off");
    assertThat(plan.classPath()).containsExactly(jar.toString(), classes.toString());
    // nothing to train on a class path without jars
    assertThat(cache.plan(opts, List.of(classes.toString()), "Main").options()).isEmpty();
    assertThat(trainings).hasSize(1);
  }

  @Test
  void aDirectoryOthersCanWriteIsNotUsed() throws Exception {
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path jar = Files.write(tmp.resolve("lib.jar"), new byte[] {1});
    List<String> cmd = List.of("java", "-cp", jar.toString());
    Files.write(shared.resolve(WorkerAotCache.key(cmd) + ".aot"), new byte[] {0});
    List<Runnable> trainings = new ArrayList<>();
    WorkerAotCache cache = new WorkerAotCache(shared, tmp, trainings::add);
    assertThat(cache.plan(List.of("java"), List.of(jar.toString()), "Main").options()).isEmpty();
    assertThat(trainings).isEmpty();
  }
}
