package io.glint.internal.runtime.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionsTest {
  @TempDir Path tmp;

  @Test
  void sweepsStoresAndSpillsOfSessionsWhoseProcessIsGoneAndKeepsLogs() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    long dead = p.pid();
    long alive = ProcessHandle.current().pid();
    Path root = Files.createDirectories(tmp.resolve("glint"));
    Path shm = Files.createDirectories(tmp.resolve("shm"));
    String deadSession = "session_2026-11-25_21-52-00_" + dead + "_fe04";
    String liveSession = "session_2026-11-25_21-52-00_" + alive + "_ab12";
    Path deadStore = Files.createDirectories(shm.resolve("glint-" + deadSession + "-aa659070"));
    Files.writeString(deadStore.resolve("arena"), "x");
    Path liveStore = Files.createDirectories(shm.resolve("glint-" + liveSession + "-bb659070"));
    Path deadSpill = Files.createDirectories(root.resolve(deadSession).resolve("spill/aa"));
    Files.writeString(deadSpill.resolve("0a"), "x");
    Path deadLogs = Files.createDirectories(root.resolve(deadSession).resolve("logs"));
    Path liveSpill = Files.createDirectories(root.resolve(liveSession).resolve("spill"));
    Path unrelated = Files.createDirectories(shm.resolve("something-else_" + dead));

    Sessions.sweepStale(root, shm);

    assertThat(deadStore).doesNotExist();
    assertThat(root.resolve(deadSession).resolve("spill")).doesNotExist();
    assertThat(deadLogs).exists();
    assertThat(liveStore).exists();
    assertThat(liveSpill).exists();
    assertThat(unrelated).exists();
  }

  @Test
  void keepsTheNewestFewSessionsOfDeadProcessesAndRemovesOlderOnes() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    long dead = p.pid();
    long alive = ProcessHandle.current().pid();
    Path root = Files.createDirectories(tmp.resolve("glint"));
    java.util.List<Path> deadOnes = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Path d = root.resolve("session_2026-11-2" + i + "_10-00-00_" + dead + "_00" + i + "a");
      Files.createDirectories(d.resolve("logs"));
      deadOnes.add(d);
    }
    Path oldLive = root.resolve("session_2026-11-01_10-00-00_" + alive + "_beef");
    Files.createDirectories(oldLive.resolve("logs"));

    Sessions.sweepStale(root, Files.createDirectories(tmp.resolve("shm")));

    // Newest first: the 5 newest dead ones stay, the 3 oldest go; a live session always stays.
    for (int i = 0; i < 8; i++) {
      assertThat(Files.exists(deadOnes.get(i))).as("session %d", i).isEqualTo(i >= 3);
    }
    assertThat(oldLive).exists();
  }
}
