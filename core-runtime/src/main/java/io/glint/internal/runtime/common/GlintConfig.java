package io.glint.internal.runtime.common;

import io.glint.api.InitOptions;
import io.glint.api.exception.ConfigurationException;
import io.glint.api.internal.ResourceValidation;
import io.glint.internal.store.ByteSizes;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Glint's settings, each with one name per source. Precedence, lowest first: default &lt;
 * environment ({@code GLINT_*}) &lt; system property ({@code -Dglint.*}) &lt; {@link InitOptions}
 * given in code. Bad values fail with a message naming the key, the source and the value.
 */
public final class GlintConfig {
  /** One setting. */
  public record Key(String property, String env, String defaultValue, String doc) {}

  public static final Key ADDRESS =
      new Key(
          "glint.address",
          "GLINT_ADDRESS",
          "(none: start an embedded cluster)",
          "Control service to join, host:port.");
  public static final Key TOKEN =
      new Key(
          "glint.token",
          "GLINT_TOKEN",
          "(generated per cluster)",
          "Secret token of the cluster to join; required with an address.");
  public static final Key NUM_CPUS =
      new Key(
          "glint.numCpus",
          "GLINT_NUM_CPUS",
          "(the machine's processors)",
          "CPUs of the embedded cluster's node.");
  public static final Key NUM_GPUS =
      new Key(
          "glint.numGpus",
          "GLINT_NUM_GPUS",
          "(GPUs listed by nvidia-smi, else 0)",
          "GPUs of the embedded cluster's node.");
  public static final Key RESOURCES =
      new Key(
          "glint.resources",
          "GLINT_RESOURCES",
          "(none)",
          "Custom resources of the embedded node, e.g. accelerator=1,disk=2.");
  public static final Key NAMESPACE =
      new Key(
          "glint.namespace",
          "GLINT_NAMESPACE",
          "(a fresh namespace per job)",
          "Namespace for named actors.");
  public static final Key JOB_CODE_PATH =
      new Key(
          "glint.job.codePath",
          "GLINT_JOB_CODE_PATH",
          "(none)",
          "Extra class path entries for workers, path-separated; added to the driver's class path.");
  public static final Key WORKER_JVM_OPTIONS =
      new Key(
          "glint.worker.jvmOptions",
          "GLINT_WORKER_JVM_OPTIONS",
          "(none)",
          "JVM flags for every worker, space-separated.");
  public static final Key LOG_TO_DRIVER =
      new Key(
          "glint.logToDriver",
          "GLINT_LOG_TO_DRIVER",
          "true",
          "Print worker stdout/stderr on the driver's console with a (pid=...) prefix.");
  public static final Key DASHBOARD_ENABLED =
      new Key(
          "glint.dashboard.enabled",
          "GLINT_DASHBOARD_ENABLED",
          "true",
          "Whether the embedded cluster serves its dashboard (REST API, web UI, /metrics).");
  public static final Key DASHBOARD_HOST =
      new Key(
          "glint.dashboard.host",
          "GLINT_DASHBOARD_HOST",
          "127.0.0.1",
          "Where the embedded cluster's dashboard listens.");
  public static final Key DASHBOARD_PORT =
      new Key(
          "glint.dashboard.port",
          "GLINT_DASHBOARD_PORT",
          "8265",
          "The embedded cluster's dashboard port (the next free one when taken; 0: any).");
  public static final Key TEMP_DIR =
      new Key(
          "glint.tempDir",
          "GLINT_TEMP_DIR",
          "(java.io.tmpdir)/glint",
          "Where session directories (logs) are created.");
  public static final Key PRESTART_WORKERS =
      new Key(
          "glint.worker.prestart",
          "GLINT_WORKER_PRESTART",
          "(numCpus)",
          "Workers started for a job when it begins.");
  public static final Key OBJECT_STORE_MEMORY =
      new Key(
          "glint.objectStoreMemory",
          "GLINT_OBJECT_STORE_MEMORY",
          "(30% of the machine's memory)",
          "Bytes of the embedded node's shared-memory object store: 2147483648, 2g, 1.5GiB, 512m (units up to t).");
  public static final Key PYTHON_EXECUTABLE =
      new Key(
          "glint.python.executable",
          "GLINT_PYTHON_EXECUTABLE",
          "(the python3 on the driver's PATH)",
          "The Python interpreter workers embed for Python tasks; needs a shared libpython.");
  public static final Key PYTHON_PATH =
      new Key(
          "glint.python.path",
          "GLINT_PYTHON_PATH",
          "(none)",
          "Directories with the job's Python modules, path-separated.");
  public static final Key LEASE_IDLE_MS =
      new Key(
          "glint.lease.idleReturnMs",
          "GLINT_LEASE_IDLE_RETURN_MS",
          "10",
          "How long a submitter keeps an idle worker lease before returning it.");

  public static final Key SERIALIZERS =
      new Key(
          "glint.serializers",
          "GLINT_SERIALIZERS",
          "(none; META-INF/services/io.glint.api.ValueSerializer are always used)",
          "ValueSerializer classes for the job's own types, comma-separated.");

  public static final List<Key> ALL =
      List.of(
          ADDRESS,
          TOKEN,
          NUM_CPUS,
          NUM_GPUS,
          RESOURCES,
          NAMESPACE,
          JOB_CODE_PATH,
          WORKER_JVM_OPTIONS,
          LOG_TO_DRIVER,
          DASHBOARD_ENABLED,
          DASHBOARD_HOST,
          DASHBOARD_PORT,
          TEMP_DIR,
          PRESTART_WORKERS,
          LEASE_IDLE_MS,
          SERIALIZERS);

  /** The resolved settings. Nullable fields mean "not set anywhere". */
  public record Resolved(
      String address,
      String token,
      Double numCpus,
      Double numGpus,
      Map<String, Double> resources,
      String namespace,
      List<String> jobCodePath,
      List<String> workerJvmOptions,
      boolean logToDriver,
      Path tempDir,
      Integer prestartWorkers,
      Long objectStoreMemory,
      String pythonExecutable,
      List<String> pythonPath,
      long leaseIdleMs,
      List<String> serializers,
      boolean includeDashboard,
      String dashboardHost,
      int dashboardPort) {}

  private final Map<String, String> env;
  private final Properties props;

  public GlintConfig(Map<String, String> env, Properties props) {
    this.env = env;
    this.props = props;
  }

  public static GlintConfig fromSystem() {
    return new GlintConfig(System.getenv(), System.getProperties());
  }

  /** The raw text of a key and where it came from, or null. */
  String[] raw(Key k) {
    String p = props.getProperty(k.property());
    if (p != null) {
      return new String[] {p, "system property -D" + k.property()};
    }
    String e = env.get(k.env());
    if (e != null) {
      return new String[] {e, "environment variable " + k.env()};
    }
    return null;
  }

  public Resolved resolve(InitOptions o) {
    String address = o.address().orElseGet(() -> text(ADDRESS));
    String token = text(TOKEN);
    Double numCpus =
        o.numCpus().isPresent()
            ? Double.valueOf(o.numCpus().getAsDouble())
            : quantity(NUM_CPUS, "CPU");
    Double numGpus =
        o.numGpus().isPresent()
            ? Double.valueOf(o.numGpus().getAsDouble())
            : quantity(NUM_GPUS, "GPU");
    Map<String, Double> resources = new LinkedHashMap<>(resourceMap());
    resources.putAll(o.resources());
    String namespace = o.namespace().orElseGet(() -> text(NAMESPACE));
    List<String> codePath =
        o.jobCodePath()
            .orElseGet(
                () -> {
                  String t = text(JOB_CODE_PATH);
                  return t == null ? List.of() : splitNonEmpty(t, File.pathSeparator);
                });
    List<String> jvmOptions =
        o.workerJvmOptions()
            .orElseGet(
                () -> {
                  String t = text(WORKER_JVM_OPTIONS);
                  return t == null ? List.of() : splitNonEmpty(t, " ");
                });
    boolean logToDriver = o.logToDriver().orElseGet(() -> bool(LOG_TO_DRIVER, true));
    Path tempDir =
        o.tempDir()
            .orElseGet(
                () -> {
                  String t = text(TEMP_DIR);
                  return t != null
                      ? Path.of(t)
                      : Path.of(System.getProperty("java.io.tmpdir"), "glint");
                });
    Integer prestart = integer(PRESTART_WORKERS, 0);
    Long storeBytes;
    if (o.objectStoreMemory().isPresent()) {
      try {
        storeBytes = checkStoreSize(o.objectStoreMemory().getAsLong());
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(
            "Invalid InitOptions.objectStoreMemory("
                + o.objectStoreMemory().getAsLong()
                + "): "
                + e.getMessage());
      }
    } else {
      storeBytes = bytes(OBJECT_STORE_MEMORY);
    }
    Integer idle = integer(LEASE_IDLE_MS, 0);
    return new Resolved(
        address,
        token,
        numCpus,
        numGpus,
        resources,
        namespace,
        codePath,
        jvmOptions,
        logToDriver,
        tempDir,
        prestart,
        storeBytes,
        text(PYTHON_EXECUTABLE),
        splitNonEmpty(text(PYTHON_PATH) == null ? "" : text(PYTHON_PATH), File.pathSeparator),
        idle == null ? 10 : idle,
        serializerNames(o),
        o.includeDashboard().orElseGet(() -> bool(DASHBOARD_ENABLED, true)),
        text(DASHBOARD_HOST) == null ? "127.0.0.1" : text(DASHBOARD_HOST),
        o.dashboardPort()
            .orElseGet(
                () -> {
                  Integer p = integer(DASHBOARD_PORT, 0);
                  return p == null ? 8265 : p;
                }));
  }

  /** The job's value serializer classes: from code, else from GLINT_SERIALIZERS. */
  private List<String> serializerNames(InitOptions o) {
    List<String> names = new ArrayList<>(o.serializers().stream().map(Class::getName).toList());
    String t = text(SERIALIZERS);
    if (t != null) {
      for (String n : splitNonEmpty(t, ",")) {
        if (!names.contains(n)) {
          names.add(n);
        }
      }
    }
    return names;
  }

  private String text(Key k) {
    String[] r = raw(k);
    return r == null || r[0].isBlank() ? null : r[0].trim();
  }

  private Double quantity(Key k, String resource) {
    String[] r = raw(k);
    if (r == null) {
      return null;
    }
    try {
      return ResourceValidation.parseQuantity(resource, r[0]);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("Invalid " + r[1] + "='" + r[0] + "': " + e.getMessage());
    }
  }

  private Integer integer(Key k, int min) {
    String[] r = raw(k);
    if (r == null) {
      return null;
    }
    try {
      int v = Integer.parseInt(r[0].trim());
      if (v < min) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new ConfigurationException(
          "Invalid " + r[1] + "='" + r[0] + "': expected a whole number >= " + min);
    }
  }

  private Long bytes(Key k) {
    String[] r = raw(k);
    if (r == null) {
      return null;
    }
    try {
      return checkStoreSize(ByteSizes.parse(r[0]));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("Invalid " + r[1] + "='" + r[0] + "': " + e.getMessage());
    }
  }

  /**
   * Whether a feature switch's value turns the feature off: {@code off} or {@code false}, in any
   * case (null, unset, leaves it on). The switches outside this table (worker AOT caches, jar
   * bundles, local task streams) all read their values this way.
   */
  public static boolean switchedOff(String value) {
    return value != null && (value.equalsIgnoreCase("off") || value.equalsIgnoreCase("false"));
  }

  /**
   * An object store size that this machine can hold: at least 1 MiB and no more than its memory.
   * Returns {@code bytes}; throws {@link IllegalArgumentException} saying why not.
   */
  public static long checkStoreSize(long bytes) {
    long machine = io.glint.internal.runtime.cluster.NodeResources.totalMemoryBytes();
    if (bytes < (1 << 20)) {
      throw new IllegalArgumentException(
          "an object store needs at least 1 MiB, got " + ByteSizes.format(bytes));
    }
    if (bytes > machine) {
      throw new IllegalArgumentException(
          ByteSizes.format(bytes)
              + " is more than this machine's memory ("
              + ByteSizes.format(machine)
              + ")");
    }
    return bytes;
  }

  private boolean bool(Key k, boolean dflt) {
    String[] r = raw(k);
    if (r == null) {
      return dflt;
    }
    return switch (r[0].trim().toLowerCase()) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default ->
          throw new ConfigurationException(
              "Invalid " + r[1] + "='" + r[0] + "': expected true or false");
    };
  }

  private Map<String, Double> resourceMap() {
    String[] r = raw(RESOURCES);
    Map<String, Double> m = new LinkedHashMap<>();
    if (r == null || r[0].isBlank()) {
      return m;
    }
    for (String part : r[0].split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new ConfigurationException(
            "Invalid " + r[1] + "='" + r[0] + "': expected name=quantity pairs, got '" + p + "'");
      }
      String name = p.substring(0, eq).trim();
      try {
        m.put(name, ResourceValidation.parseQuantity(name, p.substring(eq + 1)));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException("Invalid " + r[1] + "='" + r[0] + "': " + e.getMessage());
      }
    }
    return m;
  }

  private static List<String> splitNonEmpty(String s, String sep) {
    List<String> out = new ArrayList<>();
    Arrays.stream(s.split(java.util.regex.Pattern.quote(sep)))
        .map(String::trim)
        .filter(x -> !x.isEmpty())
        .forEach(out::add);
    return out;
  }
}
