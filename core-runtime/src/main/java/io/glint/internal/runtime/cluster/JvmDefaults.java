package io.glint.internal.runtime.cluster;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Lets a plain {@code java -cp app.jar Main} driver run quietly on JDK 25: when the JVM was not
 * started with native access or Unsafe memory access enabled, the libraries that would print JDK
 * warnings (Netty's native transport and Unsafe use, Kryo's Unsafe use) are told to use their
 * portable code paths instead. Settings the user gave are never overridden.
 */
public final class JvmDefaults {
  private JvmDefaults() {}

  public static void apply() {
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
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
