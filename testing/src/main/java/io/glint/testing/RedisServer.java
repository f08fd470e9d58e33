package io.glint.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} (Debian's) on a free loopback port, for tests of control storage in
 * Redis. Without the binary a test is skipped, unless {@code -Dglint.requireRedis=true} (as {@code
 * scripts/test} sets, after installing it), where it fails.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start(tempDir)) {
 *   TestCluster.builder().controlProcess(redis.uri("test")).start();
 * }
 * }</pre>
 */
public final class RedisServer implements AutoCloseable {
  private static final List<String> BINARIES =
      List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server");

  private final Process process;
  private final int port;

  private RedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Skips (or, when Redis is required, fails) the calling test when redis-server is missing. */
  public static String assumeAvailable() {
    for (String b : BINARIES) {
      if (Files.isExecutable(Path.of(b))) {
        return b;
      }
    }
    String why = "redis-server is not installed (apt-get install redis-server)";
    if (Boolean.getBoolean("glint.requireRedis")) {
      throw new AssertionError("glint.requireRedis is set, but " + why);
    }
    Assumptions.abort("Redis tests skipped: " + why);
    return null;
  }

  /** Starts a server with its files in {@code dir}, answering on 127.0.0.1 only. */
  public static RedisServer start(Path dir) {
    String binary = assumeAvailable();
    int port;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Files.createDirectories(dir);
      Process p =
          new ProcessBuilder(
                  binary,
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1",
                  "--dir",
                  dir.toAbsolutePath().toString(),
                  "--save",
                  "",
                  "--appendonly",
                  "yes",
                  "--daemonize",
                  "no")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("redis.log").toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      RedisServer r = new RedisServer(p, port);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!r.answers()) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          p.destroyForcibly();
          throw new IllegalStateException(
              "redis-server did not start: " + Files.readString(dir.resolve("redis.log")));
        }
        Thread.sleep(20);
      }
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.getOutputStream().write("PING\r\n".getBytes());
      byte[] buf = new byte[7];
      return s.getInputStream().read(buf) > 0 && new String(buf).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:<port>/<prefix>}: control storage under that key prefix. */
  public String uri(String prefix) {
    return "redis://127.0.0.1:" + port + "/" + prefix;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
