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
}
