package io.glint.internal.runtime.node;

import io.glint.internal.proto.Address;
import io.glint.internal.proto.CodePackage;
import io.glint.internal.proto.GetPackageRequest;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.proto.PackageChunk;
import io.glint.internal.proto.WorkerServiceGrpc;
import io.glint.internal.runtime.cluster.CodePackages;
import io.glint.internal.runtime.common.ChannelPool;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A node's copies of jobs' code packages ({@link CodePackages}), content-addressed: a package is
 * used from its original path when this machine has that very file (same bytes), else from this
 * node's cache, else fetched once from the job's driver into the cache, where later jobs with the
 * same jar find it.
 */
final class PackageCache {
  private final Path dir;
  private final ChannelPool channels;

  /** Originals already checked: path|size|mtime → hash. */
  private final ConcurrentHashMap<String, String> checked = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

  PackageCache(Path dir, ChannelPool channels) {
    this.dir = dir;
    this.channels = channels;
  }

  /** The job's config with its class path and Python path resolved to files on this node. */
  JobConfig resolve(JobConfig cfg) throws IOException {
    JobConfig.Builder b = cfg.toBuilder();
    if (cfg.getCodePackagesCount() > 0) {
      List<String> cp = new ArrayList<>();
      for (CodePackage p : cfg.getCodePackagesList()) {
        cp.add(local(p, cfg.getDriverAddress()).toString());
      }
      b.clearCodePath().addAllCodePath(cp);
    }
    if (cfg.getPythonPackagesCount() > 0) {
      List<String> py = new ArrayList<>();
      for (CodePackage p : cfg.getPythonPackagesList()) {
        py.add(localDirectory(p, cfg.getDriverAddress()).toString());
      }
      b.putWorkerProperties("glint.python.path", String.join(java.io.File.pathSeparator, py));
    }
    return b.build();
  }

  /** A directory package as a directory here: the original, or the package unpacked once. */
  private Path localDirectory(CodePackage p, Address driver) throws IOException {
    Path original = Path.of(p.getOriginalPath());
    if (Files.isDirectory(original)) {
      return original;
    }
    Path unpacked = dir.resolve(p.getHash());
    if (Files.isDirectory(unpacked)) {
      return unpacked;
    }
    Path zip = local(p, driver);
    synchronized (locks.computeIfAbsent(p.getHash() + "/", k -> new Object())) {
      if (!Files.isDirectory(unpacked)) {
        Path tmp = Files.createTempDirectory(dir, p.getHash() + ".unpack");
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
          java.util.zip.ZipEntry e;
          while ((e = in.getNextEntry()) != null) {
            Path out = tmp.resolve(e.getName()).normalize();
            if (!out.startsWith(tmp)) {
              throw new IOException("package " + p.getName() + " has an entry outside it");
            }
            Files.createDirectories(out.getParent());
            Files.copy(in, out);
          }
        }
        Files.move(tmp, unpacked, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    return unpacked;
  }

  private Path local(CodePackage p, Address driver) throws IOException {
    Path original = Path.of(p.getOriginalPath());
    if (p.getDirectory() ? Files.isDirectory(original) : sameFile(original, p)) {
      return original;
    }
    Path cached = dir.resolve(p.getHash() + ".jar");
    if (Files.isRegularFile(cached)) {
      return cached;
    }
    synchronized (locks.computeIfAbsent(p.getHash(), k -> new Object())) {
      if (!Files.isRegularFile(cached)) {
        fetch(p, driver, cached);
      }
    }
    return cached;
  }

  private boolean sameFile(Path original, CodePackage p) throws IOException {
    if (!Files.isRegularFile(original) || Files.size(original) != p.getSize()) {
      return false;
    }
    String key =
        original
            + "|"
            + Files.size(original)
            + "|"
            + Files.getLastModifiedTime(original).toMillis();
    String hash = checked.get(key);
    if (hash == null) {
      hash = CodePackages.hashOf(original);
      checked.put(key, hash);
    }
    return hash.equals(p.getHash());
  }

  private void fetch(CodePackage p, Address driver, Path cached) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, p.getHash(), ".part");
    try {
      Iterator<PackageChunk> chunks =
          WorkerServiceGrpc.newBlockingStub(channels.get(driver))
              .withDeadlineAfter(10, TimeUnit.MINUTES)
              .getPackage(GetPackageRequest.newBuilder().setHash(p.getHash()).build());
      try (OutputStream out = Files.newOutputStream(tmp)) {
        while (chunks.hasNext()) {
          chunks.next().getData().writeTo(out);
        }
      }
      String got = CodePackages.hashOf(tmp);
      if (!got.equals(p.getHash())) {
        throw new IOException(
            "package " + p.getName() + " arrived with hash " + got + ", not " + p.getHash());
      }
      Files.move(tmp, cached, StandardCopyOption.ATOMIC_MOVE);
    } catch (StatusRuntimeException e) {
      throw new IOException(
          "cannot fetch the job's package "
              + p.getName()
              + " from its driver at "
              + driver.getHost()
              + ":"
              + driver.getPort()
              + ": "
              + e.getStatus(),
          e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
