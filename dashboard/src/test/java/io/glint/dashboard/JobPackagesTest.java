package io.glint.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.internal.runtime.cluster.CodePackages;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobPackagesTest {
  @TempDir Path temp;

  @Test
  void anUploadIsKeptOnceByItsHashAndUnpackedForEachJob() throws Exception {
    Path src = Files.createDirectories(temp.resolve("src/sub"));
    Files.writeString(src.resolve("a.txt"), "alpha");
    Files.writeString(src.getParent().resolve("run.sh"), "echo hi");
    byte[] zip = CodePackages.zip(src.getParent());
    String name = CodePackages.hashOf(zip) + ".zip";
    JobPackages packages = new JobPackages(temp.resolve("packages"));

    assertThat(packages.exists(name)).isFalse();
    assertThat(packages.store(name, new ByteArrayInputStream(zip))).isTrue();
    assertThat(packages.store(name, new ByteArrayInputStream(zip))).isFalse();
    assertThat(packages.exists(name)).isTrue();

    Path job = Files.createDirectories(temp.resolve("job1"));
    packages.extract("glint://" + name, job);
    assertThat(job.resolve("sub/a.txt")).hasContent("alpha");
    assertThat(job.resolve("run.sh")).hasContent("echo hi");
  }

  @Test
  void badUploadsAreRefusedWithTheReason() throws Exception {
    JobPackages packages = new JobPackages(temp.resolve("packages"));
    assertThatThrownBy(() -> packages.exists("../../etc/passwd"))
        .hasMessageContaining("<sha256 of its bytes");
    String wrong = "0".repeat(64) + ".zip";
    assertThatThrownBy(() -> packages.store(wrong, new ByteArrayInputStream(new byte[] {1, 2})))
        .hasMessageContaining("hash to");
    assertThat(packages.exists(wrong)).isFalse();
    assertThatThrownBy(() -> packages.extract("glint://" + "1".repeat(64) + ".zip", temp))
        .hasMessageContaining("was not uploaded");

    // An entry that would land outside the job's directory (zip slip) is refused.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes)) {
      z.putNextEntry(new ZipEntry("../escaped.txt"));
      z.write(1);
      z.closeEntry();
    }
    String evil = CodePackages.hashOf(bytes.toByteArray()) + ".zip";
    packages.store(evil, new ByteArrayInputStream(bytes.toByteArray()));
    Path job = Files.createDirectories(temp.resolve("jobs/j"));
    assertThatThrownBy(() -> packages.extract("glint://" + evil, job))
        .hasMessageContaining("outside its directory");
    assertThat(temp.resolve("jobs/escaped.txt")).doesNotExist();
  }
}
