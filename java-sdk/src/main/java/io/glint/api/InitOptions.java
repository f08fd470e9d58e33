package io.glint.api;

import io.glint.api.internal.ResourceValidation;
import io.glint.api.internal.SettingGuard;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Options of {@link Glint#init(InitOptions)}. Anything left unset comes from the environment
 * ({@code GLINT_*}), then system properties ({@code -Dglint.*}), then defaults; a value set here
 * wins over both.
 *
 * <pre>{@code
 * Glint.init(InitOptions.builder().numCpus(4).resource("accelerator", 1).build());
 * }</pre>
 */
public final class InitOptions {
  private final String address;
  private final Double numCpus;
  private final Double numGpus;
  private final Map<String, Double> resources;
  private final String namespace;
  private final List<String> jobCodePath;
  private final List<String> workerJvmOptions;
  private final Boolean logToDriver;
  private final Boolean includeDashboard;
  private final Integer dashboardPort;
  private final Path tempDir;
  private final Long objectStoreMemory;
  private final List<Class<? extends ValueSerializer<?>>> serializers;

  private InitOptions(Builder b) {
    this.address = b.address;
    this.numCpus = b.numCpus;
    this.numGpus = b.numGpus;
    this.resources = Collections.unmodifiableMap(new LinkedHashMap<>(b.resources));
    this.namespace = b.namespace;
    this.jobCodePath = b.jobCodePath;
    this.workerJvmOptions = b.workerJvmOptions;
    this.logToDriver = b.logToDriver;
    this.includeDashboard = b.includeDashboard;
    this.dashboardPort = b.dashboardPort;
    this.tempDir = b.tempDir;
    this.objectStoreMemory = b.objectStoreMemory;
    this.serializers = List.copyOf(b.serializers);
  }

  /** Serializers for the job's own types, registered in the driver and every worker. */
  public List<Class<? extends ValueSerializer<?>>> serializers() {
    return serializers;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options with nothing set. */
  public static InitOptions defaults() {
    return builder().build();
  }

  /** The control service to join ("host:port"); empty starts an embedded local cluster. */
  public Optional<String> address() {
    return Optional.ofNullable(address);
  }

  /** CPUs of the embedded cluster's node; default the machine's processors. */
  public OptionalDouble numCpus() {
    return numCpus == null ? OptionalDouble.empty() : OptionalDouble.of(numCpus);
  }

  /** GPUs of the embedded cluster's node; default the GPUs detected. */
  public OptionalDouble numGpus() {
    return numGpus == null ? OptionalDouble.empty() : OptionalDouble.of(numGpus);
  }

  /** Custom resources of the embedded cluster's node. */
  public Map<String, Double> resources() {
    return resources;
  }

  public Optional<String> namespace() {
    return Optional.ofNullable(namespace);
  }

  /** Extra class path entries for the job's workers (jars or directories). */
  public Optional<List<String>> jobCodePath() {
    return Optional.ofNullable(jobCodePath);
  }

  /** JVM flags for every worker of the job. */
  public Optional<List<String>> workerJvmOptions() {
    return Optional.ofNullable(workerJvmOptions);
  }

  /** Whether worker output is printed on the driver's console. */
  public Optional<Boolean> logToDriver() {
    return Optional.ofNullable(logToDriver);
  }

  /** Whether the embedded cluster starts its dashboard (Ray's include_dashboard); default yes. */
  public Optional<Boolean> includeDashboard() {
    return Optional.ofNullable(includeDashboard);
  }

  /** The embedded cluster's dashboard port (Ray's dashboard_port); default 8265. */
  public Optional<Integer> dashboardPort() {
    return Optional.ofNullable(dashboardPort);
  }

  /** Where session directories (logs) are created; default the system temp directory. */
  public Optional<Path> tempDir() {
    return Optional.ofNullable(tempDir);
  }

  /** Bytes of the embedded node's object store; default 30% of the machine's memory. */
  public java.util.OptionalLong objectStoreMemory() {
    return objectStoreMemory == null
        ? java.util.OptionalLong.empty()
        : java.util.OptionalLong.of(objectStoreMemory);
  }

  /** Builds {@link InitOptions}. Each setting may be given once. */
  public static final class Builder {
    private final List<Class<? extends ValueSerializer<?>>> serializers =
        new java.util.ArrayList<>();
    private final SettingGuard guard = new SettingGuard("InitOptions");
    private String address;
    private Double numCpus;
    private Double numGpus;
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private String namespace;
    private List<String> jobCodePath;
    private List<String> workerJvmOptions;
    private Boolean logToDriver;
    private Boolean includeDashboard;
    private Integer dashboardPort;
    private Path tempDir;
    private Long objectStoreMemory;

    private Builder() {}

    /** Bytes of the embedded node's shared-memory object store (Ray's object_store_memory). */
    public Builder objectStoreMemory(long bytes) {
      if (bytes < 1 << 20) {
        throw new IllegalArgumentException(
            "objectStoreMemory must be at least 1 MiB, got " + bytes);
      }
      guard.set("objectStoreMemory", bytes);
      this.objectStoreMemory = bytes;
      return this;
    }

    public Builder address(String address) {
      if (address == null || address.isBlank()) {
        throw new IllegalArgumentException("address must not be empty");
      }
      guard.set("address", address);
      this.address = address;
      return this;
    }

    public Builder numCpus(double numCpus) {
      ResourceValidation.checkQuantity("CPU", numCpus);
      guard.set("numCpus", numCpus);
      this.numCpus = numCpus;
      return this;
    }

    public Builder numGpus(double numGpus) {
      ResourceValidation.checkQuantity("GPU", numGpus);
      guard.set("numGpus", numGpus);
      this.numGpus = numGpus;
      return this;
    }

    /** A custom resource of the embedded node (CPU and GPU have their own setters). */
    public Builder resource(String name, double quantity) {
      ResourceValidation.checkQuantity(name, quantity);
      if (name.equals("CPU") || name.equals("GPU")) {
        throw new IllegalArgumentException("Use numCpus/numGpus to set " + name);
      }
      guard.set("resource " + name, quantity);
      resources.put(name, quantity);
      return this;
    }

    public Builder namespace(String namespace) {
      if (namespace == null || namespace.isBlank()) {
        throw new IllegalArgumentException("namespace must not be empty");
      }
      guard.set("namespace", namespace);
      this.namespace = namespace;
      return this;
    }

    public Builder jobCodePath(List<String> entries) {
      guard.set("jobCodePath", entries);
      this.jobCodePath = List.copyOf(entries);
      return this;
    }

    public Builder workerJvmOptions(List<String> options) {
      guard.set("workerJvmOptions", options);
      this.workerJvmOptions = List.copyOf(options);
      return this;
    }

    public Builder logToDriver(boolean logToDriver) {
      guard.set("logToDriver", logToDriver);
      this.logToDriver = logToDriver;
      return this;
    }

    /**
     * Whether the embedded cluster serves its dashboard (on by default, as in Ray):
     *
     * <pre>{@code
     * Glint.init(InitOptions.builder().includeDashboard(false).build());
     * }</pre>
     */
    public Builder includeDashboard(boolean includeDashboard) {
      guard.set("includeDashboard", includeDashboard);
      this.includeDashboard = includeDashboard;
      return this;
    }

    /** The embedded cluster's dashboard port (0: any free port); when taken, the next free one. */
    public Builder dashboardPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("dashboardPort must be 0..65535, got " + port);
      }
      guard.set("dashboardPort", port);
      this.dashboardPort = port;
      return this;
    }

    public Builder tempDir(Path tempDir) {
      guard.set("tempDir", tempDir);
      this.tempDir = tempDir;
      return this;
    }

    /**
     * Registers a {@link ValueSerializer} for the driver and every worker of the job (workers
     * create their own instance, so it needs a public no-argument constructor). Serializers listed
     * in {@code META-INF/services/io.glint.api.ValueSerializer} are registered without this.
     */
    public Builder serializer(Class<? extends ValueSerializer<?>> serializer) {
      java.util.Objects.requireNonNull(serializer, "serializer");
      if (serializers.contains(serializer)) {
        throw new IllegalArgumentException(
            "serializer " + serializer.getName() + " is registered twice");
      }
      try {
        serializer.getConstructor();
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException(
            "serializer "
                + serializer.getName()
                + " needs a public no-argument constructor: workers create their own instance");
      }
      serializers.add(serializer);
      return this;
    }

    public InitOptions build() {
      return new InitOptions(this);
    }
  }
}
