package io.glint.internal.runtime.cluster;

import io.glint.internal.runtime.common.ResourceSet;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Detects a machine's resources: CPUs, GPUs (nvidia-smi), memory. */
public final class NodeResources {
  private NodeResources() {}

  /** The node's resources, each detected unless given. */
  public static ResourceSet of(Double numCpus, Double numGpus, Map<String, Double> custom) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(ResourceSet.CPU, numCpus != null ? numCpus : Runtime.getRuntime().availableProcessors());
    double gpus = numGpus != null ? numGpus : detectGpus();
    if (gpus > 0) {
      m.put(ResourceSet.GPU, gpus);
    }
    m.put(ResourceSet.MEMORY, (double) (long) (totalMemoryBytes() * 0.7));
    m.putAll(custom);
    return ResourceSet.of(m);
  }

  /** Ray's default object store size: 30% of the machine's memory. */
  public static long defaultObjectStoreBytes() {
    return (long) (totalMemoryBytes() * 0.3);
  }

  public static long totalMemoryBytes() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory();
  }

  /** GPUs listed by {@code nvidia-smi}, 0 when it is absent or fails. */
  public static int detectGpus() {
    try {
      Process p =
          new ProcessBuilder("nvidia-smi", "--query-gpu=index", "--format=csv,noheader")
              .redirectErrorStream(true)
              .start();
      int n = 0;
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.trim().matches("\\d+")) {
            n++;
          }
        }
      }
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return 0;
      }
      return p.exitValue() == 0 ? n : 0;
    } catch (Exception e) {
      return 0;
    }
  }
}
