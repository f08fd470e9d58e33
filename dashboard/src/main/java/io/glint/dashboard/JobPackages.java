package io.glint.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Jobs' working directories uploaded from the submitter's machine, as Ray's job submission does:
 * the client zips the directory deterministically (as drivers package class path directories),
 * names the zip by its SHA-256 and uploads it once ({@code PUT /api/packages/glint/<sha256>.zip});
 * a job whose {@code runtime_env.working_dir} is {@code glint://<sha256>.zip} runs in a fresh copy
 * of it. The same directory uploaded twice is stored once.
 */
final class JobPackages {
  /** The most one package may hold, zipped. */
  static final long MAX_BYTES = 512L << 20;

  static final String SCHEME = "glint://";

  private final Path dir;

  JobPackages(Path dir) {
    this.dir = dir;
  }

  /** {@code <sha256>.zip}, or an error naming the expected form. */
  static String checkName(String name) {
    if (!name.matches("[0-9a-f]{64}\\.zip")) {
      throw new IllegalArgumentException(
          "a package is named <sha256 of its bytes, 64 hex digits>.zip, got '" + name + "'");
    }
    return name;
  }

  boolean exists(String name) {
    return Files.isRegularFile(dir.resolve(checkName(name)));
  }

  /** Stores an upload after checking its bytes hash to its name; false when it already was. */
  boolean store(String name, InputStream body) throws IOException {
    checkName(name);
    Path target = dir.resolve(name);
    if (Files.isRegularFile(target)) {
      body.transferTo(java.io.OutputStream.nullOutputStream());
      return false;
    }
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "upload", ".part");
    try {
      MessageDigest sha = sha256();
      long n;
      try (InputStream in = new DigestInputStream(body, sha)) {
        n =
            Files.copy(
                new LimitedInputStream(in, MAX_BYTES + 1),
                tmp,
                StandardCopyOption.REPLACE_EXISTING);
      }
      if (n > MAX_BYTES) {
        throw new IllegalArgumentException(
            "the package is larger than " + (MAX_BYTES >> 20) + " MiB zipped");
      }
      String actual = HexFormat.of().formatHex(sha.digest()) + ".zip";
      if (!actual.equals(name)) {
        throw new IllegalArgumentException(
            "the uploaded bytes hash to " + actual + ", not " + name + " (truncated upload?)");
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Unzips package {@code uri} ({@code glint://<sha256>.zip}) into the empty directory {@code to}.
   */
  void extract(String uri, Path to) {
    String name = checkName(uri.substring(SCHEME.length()));
    Path zip = dir.resolve(name);
    if (!Files.isRegularFile(zip)) {
      throw new IllegalArgumentException(
          "working_dir "
              + uri
              + " was not uploaded: PUT it to /api/packages/glint/"
              + name
              + " first");
    }
    Path root = to.toAbsolutePath().normalize();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        Path out = root.resolve(e.getName()).normalize();
        if (!out.startsWith(root)) {
          throw new IllegalArgumentException(
              "package " + name + " holds an entry outside its directory: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
          if (e.getName().endsWith(".sh")) {
            out.toFile().setExecutable(true, true);
          }
        }
      }
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot unpack " + name + ": " + ex.getMessage(), ex);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads at most {@code limit} bytes. */
  private static final class LimitedInputStream extends java.io.FilterInputStream {
    private long left;

    LimitedInputStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
