package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.testing.GlintExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Worker JVMs start from an AOT cache of the worker's classes once the node has trained one: the
 * first workers of a class path start without (and their start trains the cache in the background),
 * later ones map it.
 */
class WorkerAotCacheIT {
  private static final Path DIR;

  static {
    try {
      DIR = Files.createTempDirectory("glint-aot-it-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    // Read by the node daemons this test's cluster starts (their own cache directory).
    System.setProperty("glint.worker.aotCache", DIR.toString());
    // One class path throughout: bundling the jars mid-test would make a second cache to train.
    System.setProperty("glint.worker.jarBundles", "off");
  }

  @RegisterExtension
  static final GlintExtension glint = GlintExtension.withCluster(b -> b.cpusPerNode(2));

  @AfterAll
  static void cleanUp() throws IOException {
    System.clearProperty("glint.worker.aotCache");
    System.clearProperty("glint.worker.jarBundles");
    try (Stream<Path> files = Files.walk(DIR)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void workersStartedAfterTrainingMapTheCache() throws Exception {
    // The job's first workers (prestarted with the cluster) trained the cache.
    Path cache = awaitCache();
    assertThat(trainingProcesses()).isEmpty(); // the training JVM exited
    List<ActorHandle<Actors.Counter>> actors = new ArrayList<>();
    for (int i = 0; i < 4; i++) { // more than the idle prestarted workers: new workers start
      actors.add(Glint.actor(Actors.Counter::new, i).setResource("CPU", 0.0).remote());
    }
    List<String> cmdlines = new ArrayList<>();
    for (int i = 0; i < actors.size(); i++) {
      ActorHandle<Actors.Counter> a = actors.get(i);
      assertThat(Glint.get(a.task(Actors.Counter::add, 1).remote())).isEqualTo(i + 1);
      cmdlines.add(cmdline(Glint.get(a.task(Actors.Counter::pid).remote())));
    }
    assertThat(cmdlines).anyMatch(c -> c.contains("-XX:AOTCache=" + cache));
    actors.forEach(ActorHandle::kill);
  }

  private static Path awaitCache() throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (Stream<Path> files = Files.list(DIR)) {
        Optional<Path> ready = files.filter(p -> p.toString().endsWith(".aot")).findFirst();
        if (ready.isPresent()) {
          return ready.get();
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no AOT cache was trained in " + DIR);
  }

  private static List<Long> trainingProcesses() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains("-XX:AOTCacheOutput=" + DIR))
        .map(ProcessHandle::pid)
        .toList();
  }

  private static String cmdline(long pid) throws IOException {
    byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
    return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
  }
}
