package io.glint.internal.runtime.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What {@code glint start} records about the clusters it started on this machine, under {@code
 * <temp dir>/clusters/<host>_<port>/}: the control service's address, the cluster's token (a file
 * only this user can read), and a ready file per daemon process (its pid, address and store).
 * {@code glint stop} ends what is recorded under one temp dir and nothing else; drivers and the CLI
 * of the same user find the token of a recorded address without being told, and {@code "auto"}
 * means the cluster started last.
 */
public final class ClusterRecords {
  private final Path root;

  public ClusterRecords(Path tempDir) {
    this.root = tempDir.resolve("clusters");
  }

  public Path root() {
    return root;
  }

  /** The record directory of the cluster at {@code address} (created on demand). */
  public Path dir(String address) {
    return root.resolve(address.replace(':', '_'));
  }

  /** One cluster's record. */
  public record Cluster(Path dir, String address) {
    public Path tokenFile() {
      return dir.resolve("token");
    }

    public Path controlReady() {
      return dir.resolve("control.ready");
    }

    public Path nodesDir() {
      return dir.resolve("nodes");
    }

    public Path sessionDir() {
      return dir.resolve("session");
    }

    /** Ready files of every daemon (control last). */
    public List<Path> readyFiles() {
      List<Path> out = new ArrayList<>();
      try (Stream<Path> s = Files.list(nodesDir())) {
        s.filter(p -> p.toString().endsWith(".ready")).sorted().forEach(out::add);
      } catch (IOException ignored) {
        // no nodes recorded
      }
      if (Files.exists(controlReady())) {
        out.add(controlReady());
      }
      return out;
    }
  }

  /** Creates (or reuses) the record of a cluster and its private token file. */
  public Cluster create(String address, String token) {
    Path d = dir(address);
    try {
      Files.createDirectories(d.resolve("nodes"));
      Files.createDirectories(d.resolve("session").resolve("logs"));
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
      Path t = d.resolve("token");
      if (token != null) {
        Files.deleteIfExists(t);
        Files.createFile(
            t, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(t, token, StandardCharsets.US_ASCII);
      }
      Files.writeString(root.resolve("latest"), address + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot record the cluster under " + d + ": " + e, e);
    }
    return new Cluster(d, address);
  }

  /** Moves a record made before the address was known (an ephemeral port) to its address. */
  public Cluster rename(Cluster c, String address) {
    Path to = dir(address);
    if (to.equals(c.dir())) {
      return c;
    }
    try {
      Files.move(c.dir(), to);
      Files.writeString(root.resolve("latest"), address + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot record the cluster under " + to + ": " + e, e);
    }
    return new Cluster(to, address);
  }

  /** Every recorded cluster. */
  public List<Cluster> all() {
    List<Cluster> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      s.filter(Files::isDirectory)
          .sorted()
          .forEach(d -> out.add(new Cluster(d, d.getFileName().toString().replace('_', ':'))));
    } catch (IOException ignored) {
      // nothing recorded
    }
    return out;
  }

  /** The cluster at {@code address}, if this user started (or joined) it here. */
  public Optional<Cluster> find(String address) {
    Path d = dir(address);
    return Files.isDirectory(d) ? Optional.of(new Cluster(d, address)) : Optional.empty();
  }

  /** The cluster started last on this machine ({@code "auto"}), if its control service runs. */
  public Optional<Cluster> latest() {
    try {
      String a = Files.readString(root.resolve("latest"), StandardCharsets.UTF_8).strip();
      return find(a).filter(ClusterRecords::controlAlive);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The token recorded for {@code address}, if any. */
  public Optional<String> token(String address) {
    return find(address)
        .flatMap(
            c -> {
              try {
                return Optional.of(
                    Files.readString(c.tokenFile(), StandardCharsets.US_ASCII).strip());
              } catch (IOException e) {
                return Optional.empty();
              }
            });
  }

  /** The pid in a ready file (its last field), or -1. */
  public static long pidOf(Path readyFile) {
    try {
      String[] f = Files.readString(readyFile, StandardCharsets.UTF_8).strip().split(" ");
      return Long.parseLong(f[f.length - 1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Whether the control service recorded for {@code c} still runs. */
  public static boolean controlAlive(Cluster c) {
    long pid = pidOf(c.controlReady());
    return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
