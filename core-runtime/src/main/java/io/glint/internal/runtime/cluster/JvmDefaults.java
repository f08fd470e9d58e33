package io.glint.internal.runtime.cluster;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Lets a plain {@code java -cp app.jar Main} driver run quietly on JDK 25: when the JVM was not
 * started with native access or Unsafe memory access enabled, the libraries that would print JDK
 * warnings (Netty's native transport and Unsafe use, Kryo's Unsafe use) are told to use their
 * portable code paths instead, and Netty logs to java.util.logging when SLF4J has no provider.
 * Settings the user gave are never overridden.
 */
public final class JvmDefaults {
  private JvmDefaults() {}

  /**
   * Arrow's allocator announces its choices at INFO on first use; when SLF4J routes to
   * java.util.logging (the distribution's class path has slf4j-jdk14) that lands on every process's
   * stderr. Held here: java.util.logging keeps loggers only weakly.
   */
  private static final java.util.logging.Logger ARROW =
      java.util.logging.Logger.getLogger("org.apache.arrow");

  /** Keeps libraries' start-up notices off the process's output (workers call only this). */
  public static void quietLibraries() {
    if (ARROW.getLevel() == null) {
      ARROW.setLevel(java.util.logging.Level.WARNING);
    }
  }

  /**
   * Leaves out Netty's Flight Recorder events (buffer and chunk allocations, off in JFR's own
   * settings too). With them on, the first buffer Netty allocates loads an event class, and the JDK
   * then reads JFR's whole type library into the process: about 0.1 s of CPU, with the JIT
   * compilations it brings, in every process, a fifth of what an actor's worker costs to start. A
   * process started with {@code -Dio.grpc.netty.shaded.io.netty.jfr.enabled=true} keeps them.
   * Workers call this first; other processes through {@link #apply()}.
   */
  public static void withoutNettyFlightEvents() {
    setIfAbsent("io.grpc.netty.shaded.io.netty.jfr.enabled", "false");
  }

  public static void apply() {
    withoutNettyFlightEvents();
    quietLibraries();
    List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
    boolean unsafeAllowed = args.contains("--sun-misc-unsafe-memory-access=allow");
    boolean nativeAllowed = JvmDefaults.class.getModule().isNativeAccessEnabled();
    if (!unsafeAllowed) {
      setIfAbsent("kryo.unsafe", "false");
      setIfAbsent("io.grpc.netty.shaded.io.netty.noUnsafe", "true");
    }
    if (!nativeAllowed) {
      setIfAbsent("io.grpc.netty.shaded.io.netty.transport.noNative", "true");
    }
    // Netty logs through SLF4J whenever its API is on the class path (Arrow brings it), and SLF4J
    // without a provider prints a notice on first use. With no provider, Netty logs to
    // java.util.logging like gRPC does; an application that set up SLF4J keeps it.
    try {
      if (!JvmDefaults.class
          .getClassLoader()
          .getResources("META-INF/services/org.slf4j.spi.SLF4JServiceProvider")
          .hasMoreElements()) {
        io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
            io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
      }
    } catch (java.io.IOException ignored) {
      // keep Netty's own choice
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
