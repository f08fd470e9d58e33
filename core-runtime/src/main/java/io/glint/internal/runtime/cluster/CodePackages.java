package io.glint.internal.runtime.cluster;

import io.glint.internal.proto.CodePackage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A driver's code as content-addressed packages, so workers on every node run it without anyone
 * copying files by hand: each class path jar is a package named by the SHA-256 of its bytes; each
 * directory is packaged as a deterministic zip (sorted entries, fixed times), so the same classes
 * always make the same package. Nodes use a package's original file when they have it, else their
 * cached copy, else fetch it from the driver (which serves {@link #open}), so jobs with the same
 * jars share one copy per node.
 */
public final class CodePackages {
  /** Packages already hashed in this process, by path, size and modification time. */
  private static final ConcurrentHashMap<String, CodePackage> HASHED = new ConcurrentHashMap<>();

  /** Zips of directories, by hash, to serve. */
  private static final ConcurrentHashMap<String, byte[]> ZIPS = new ConcurrentHashMap<>();

  /** Jars by hash, to serve. */
  private static final ConcurrentHashMap<String, Path> JARS = new ConcurrentHashMap<>();

  private CodePackages() {}

  /** The packages of a class path (entries that do not exist are skipped). */
  public static List<CodePackage> of(List<String> classPath) {
    List<CodePackage> out = new ArrayList<>();
    for (String entry : classPath) {
      Path p = Path.of(entry).toAbsolutePath().normalize();
      if (Files.isRegularFile(p)) {
        out.add(jar(p));
      } else if (Files.isDirectory(p)) {
        out.add(directory(p));
      }
    }
    return out;
  }

  private static CodePackage jar(Path p) {
    try {
      String key = p + "|" + Files.size(p) + "|" + Files.getLastModifiedTime(p).toMillis();
      CodePackage c =
          HASHED.computeIfAbsent(
              key,
              k -> {
                try (InputStream in = Files.newInputStream(p)) {
                  MessageDigest d = sha256();
                  byte[] buf = new byte[1 << 16];
                  int n;
                  long size = 0;
                  while ((n = in.read(buf)) > 0) {
                    d.update(buf, 0, n);
                    size += n;
                  }
                  return CodePackage.newBuilder()
                      .setHash(HexFormat.of().formatHex(d.digest()))
                      .setName(p.getFileName().toString())
                      .setOriginalPath(p.toString())
                      .setSize(size)
                      .build();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      JARS.put(c.getHash(), p);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot package " + p + ": " + e.getMessage(), e);
    }
  }

  private static CodePackage directory(Path dir) {
    byte[] zip = zip(dir);
    String hash = HexFormat.of().formatHex(sha256().digest(zip));
    ZIPS.putIfAbsent(hash, zip);
    return CodePackage.newBuilder()
        .setHash(hash)
        .setName(dir.getFileName() + ".jar")
        .setOriginalPath(dir.toString())
        .setSize(zip.length)
        .setDirectory(true)
        .build();
  }

  /** A deterministic zip of a directory's files: same files, same bytes. */
  public static byte[] zip(Path dir) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bytes);
        Stream<Path> files = Files.walk(dir)) {
      FileTime epoch = FileTime.fromMillis(0);
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        ZipEntry e = new ZipEntry(dir.relativize(f).toString().replace('\\', '/'));
        e.setCreationTime(epoch);
        e.setLastModifiedTime(epoch);
        e.setLastAccessTime(epoch);
        e.setTime(0);
        z.putNextEntry(e);
        Files.copy(f, z);
        z.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot package " + dir + ": " + e.getMessage(), e);
    }
    return bytes.toByteArray();
  }

  /** The bytes of a package this process made, to serve to a node; empty when unknown. */
  public static Optional<InputStream> open(String hash) throws IOException {
    byte[] zip = ZIPS.get(hash);
    if (zip != null) {
      return Optional.of(new java.io.ByteArrayInputStream(zip));
    }
    Path jar = JARS.get(hash);
    return jar == null ? Optional.empty() : Optional.of(Files.newInputStream(jar));
  }

  /** SHA-256 of bytes, in hex. */
  public static String hashOf(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  /** SHA-256 of a file's bytes. */
  public static String hashOf(Path file) throws IOException {
    MessageDigest d = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
