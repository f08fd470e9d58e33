package io.glint.api;

import io.glint.api.internal.ResourceValidation;
import io.glint.api.internal.SettingGuard;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Options of an actor's creation. Immutable; built by {@link ActorCreator}'s setters or by {@link
 * #builder()}. A builder refuses a setting given twice.
 *
 * <pre>{@code
 * Glint.actor(ModelServer::new, path).setMaxConcurrency(10).setName("model").remote();
 * }</pre>
 */
public final class ActorOptions {
  private final Map<String, Double> resources;
  private final int maxConcurrency;
  private final int maxRestarts;
  private final int maxTaskRetries;
  private final String name;
  private final String namespace;
  private final List<String> jvmOptions;
  private final SchedulingStrategy schedulingStrategy;
  private final ActorLifetime lifetime;

  private ActorOptions(Builder b) {
    this.lifetime = b.lifetime == null ? ActorLifetime.NON_DETACHED : b.lifetime;
    this.resources = Collections.unmodifiableMap(new LinkedHashMap<>(b.resources));
    this.maxConcurrency = b.maxConcurrency == null ? 1 : b.maxConcurrency;
    this.maxRestarts = b.maxRestarts == null ? 0 : b.maxRestarts;
    this.maxTaskRetries = b.maxTaskRetries == null ? 0 : b.maxTaskRetries;
    this.name = b.name;
    this.namespace = b.namespace;
    this.jvmOptions = List.copyOf(b.jvmOptions);
    this.schedulingStrategy =
        b.schedulingStrategy == null ? SchedulingStrategy.defaultStrategy() : b.schedulingStrategy;
  }

  public SchedulingStrategy schedulingStrategy() {
    return schedulingStrategy;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Resources set explicitly. With none, an actor needs 1 CPU to be placed and holds none while it
   * runs (Ray's rule); with any, it holds exactly these for its lifetime.
   */
  public Map<String, Double> resources() {
    return resources;
  }

  public int maxConcurrency() {
    return maxConcurrency;
  }

  public int maxRestarts() {
    return maxRestarts;
  }

  public int maxTaskRetries() {
    return maxTaskRetries;
  }

  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  public Optional<String> namespace() {
    return Optional.ofNullable(namespace);
  }

  public List<String> jvmOptions() {
    return jvmOptions;
  }

  public ActorLifetime lifetime() {
    return lifetime;
  }

  /** Builds {@link ActorOptions}. Each setting may be given once. */
  public static final class Builder {
    private final SettingGuard guard = new SettingGuard("ActorOptions");
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private Integer maxConcurrency;
    private Integer maxRestarts;
    private Integer maxTaskRetries;
    private String name;
    private String namespace;
    private List<String> jvmOptions = List.of();
    private SchedulingStrategy schedulingStrategy;
    private ActorLifetime lifetime;

    private Builder() {}

    /** {@link ActorLifetime#DETACHED}: the actor outlives its job. Default NON_DETACHED. */
    public Builder setLifetime(ActorLifetime lifetime) {
      java.util.Objects.requireNonNull(lifetime, "lifetime");
      guard.set("lifetime", lifetime);
      this.lifetime = lifetime;
      return this;
    }

    /** Where the actor may be placed (see {@link SchedulingStrategy}). */
    public Builder setSchedulingStrategy(SchedulingStrategy strategy) {
      java.util.Objects.requireNonNull(strategy, "strategy");
      guard.set("schedulingStrategy", strategy);
      this.schedulingStrategy = strategy;
      return this;
    }

    public Builder setResource(String name, double quantity) {
      ResourceValidation.checkQuantity(name, quantity);
      guard.set("resource " + name, quantity);
      resources.put(name, quantity);
      return this;
    }

    public Builder setResources(Map<String, Double> resources) {
      ResourceValidation.checkAll(resources).forEach(this::setResource);
      return this;
    }

    /** How many method calls may run at once (threads, or async methods in flight). Default 1. */
    public Builder setMaxConcurrency(int maxConcurrency) {
      if (maxConcurrency < 1) {
        throw new IllegalArgumentException("maxConcurrency must be >= 1, got " + maxConcurrency);
      }
      guard.set("maxConcurrency", maxConcurrency);
      this.maxConcurrency = maxConcurrency;
      return this;
    }

    /** How often the actor is restarted after its process dies; -1 forever. Default 0. */
    public Builder setMaxRestarts(int maxRestarts) {
      if (maxRestarts < -1) {
        throw new IllegalArgumentException("maxRestarts must be >= -1, got " + maxRestarts);
      }
      guard.set("maxRestarts", maxRestarts);
      this.maxRestarts = maxRestarts;
      return this;
    }

    /** How often a method call is retried after the actor restarts; -1 forever. Default 0. */
    public Builder setMaxTaskRetries(int maxTaskRetries) {
      if (maxTaskRetries < -1) {
        throw new IllegalArgumentException("maxTaskRetries must be >= -1, got " + maxTaskRetries);
      }
      guard.set("maxTaskRetries", maxTaskRetries);
      this.maxTaskRetries = maxTaskRetries;
      return this;
    }

    /** Registers the actor under a name, to be found with {@link Glint#getActor(String)}. */
    public Builder setName(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("Actor name must not be empty");
      }
      guard.set("name", name);
      this.name = name;
      return this;
    }

    /** The namespace the name is registered in; default the job's namespace. */
    public Builder setNamespace(String namespace) {
      if (namespace == null || namespace.isBlank()) {
        throw new IllegalArgumentException("Namespace must not be empty");
      }
      guard.set("namespace", namespace);
      this.namespace = namespace;
      return this;
    }

    /** JVM flags for the actor's own worker process, e.g. {@code "-Xmx2g"}. */
    public Builder setJvmOptions(List<String> jvmOptions) {
      for (String o : jvmOptions) {
        if (o == null || o.isBlank()) {
          throw new IllegalArgumentException("JVM options must not be empty: " + jvmOptions);
        }
      }
      guard.set("jvmOptions", jvmOptions);
      this.jvmOptions = List.copyOf(jvmOptions);
      return this;
    }

    public ActorOptions build() {
      return new ActorOptions(this);
    }
  }
}
