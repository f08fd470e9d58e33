package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.Glint;
import io.glint.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** glint.job.codePath entries reach the workers' class path. */
class CodePathIT {
  @TempDir Path dir;

  @Test
  void extraCodePathIsOnTheWorkersClassPath() throws Exception {
    Files.writeString(dir.resolve("glint-extra.txt"), "extra content");
    try (TestCluster c =
        TestCluster.builder().cpusPerNode(1).jobCodePath(List.of(dir.toString())).start()) {
      assertThat(Glint.get(Glint.task(Fns::resource, "glint-extra.txt").remote()))
          .isEqualTo("extra content");
    }
  }

  @Test
  void workerJvmOptionsReachEveryWorker() {
    try (TestCluster c =
        TestCluster.builder()
            .cpusPerNode(1)
            .workerJvmOptions(List.of("-Dglint.it.everyWorker=yes"))
            .start()) {
      assertThat(Glint.get(Glint.task(Fns::property, "glint.it.everyWorker").remote()))
          .isEqualTo("yes");
    }
  }
}
