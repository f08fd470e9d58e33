package io.glint.api;

import io.glint.api.internal.ResourceValidation;
import io.glint.api.internal.SettingGuard;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Options of one remote task call. Immutable; built by {@link TaskCaller}'s setters or by {@link
 * #builder()}. A builder refuses a setting given twice.
 *
 * <pre>{@code
 * Glint.task(Fns::train, data).setResource("CPU", 4).setResource("GPU", 1).remote();
 * }</pre>
 */
public final class CallOptions {
  /** Retries on worker death when none are set, as in Ray. */
  public static final int DEFAULT_MAX_RETRIES = 3;

  private final Map<String, Double> resources;
  private final int maxRetries;
  private final boolean retryExceptions;
  private final String name;
  private final SchedulingStrategy schedulingStrategy;

  private CallOptions(Builder b) {
    this.resources =
        b.resources.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(b.resources));
    this.maxRetries = b.maxRetries == null ? DEFAULT_MAX_RETRIES : b.maxRetries;
    this.retryExceptions = b.retryExceptions;
    this.name = b.name;
    this.schedulingStrategy =
        b.schedulingStrategy == null ? SchedulingStrategy.defaultStrategy() : b.schedulingStrategy;
  }

  public SchedulingStrategy schedulingStrategy() {
    return schedulingStrategy;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Resources set explicitly; unset ones take Ray's defaults (1 CPU for a task). */
  public Map<String, Double> resources() {
    return resources;
  }

  public int maxRetries() {
    return maxRetries;
  }

  public boolean retryExceptions() {
    return retryExceptions;
  }

  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  /** Builds {@link CallOptions}. Each setting may be given once. */
  public static final class Builder {
    private final SettingGuard guard = new SettingGuard("CallOptions");
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private Integer maxRetries;
    private boolean retryExceptions;
    private String name;
    private SchedulingStrategy schedulingStrategy;

    private Builder() {}

    /** Where the task may run (see {@link SchedulingStrategy}); default: the default strategy. */
    public Builder setSchedulingStrategy(SchedulingStrategy strategy) {
      java.util.Objects.requireNonNull(strategy, "strategy");
      guard.set("schedulingStrategy", strategy);
      this.schedulingStrategy = strategy;
      return this;
    }

    /**
     * Sets a resource the task needs while it runs: {@code "CPU"}, {@code "GPU"}, {@code "memory"}
     * (bytes) or a custom resource. At most 4 decimal places; whole numbers above 1.
     */
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

    /** Retries when the worker dies; -1 retries forever. Default 3. */
    public Builder setMaxRetries(int maxRetries) {
      if (maxRetries < -1) {
        throw new IllegalArgumentException("maxRetries must be >= -1, got " + maxRetries);
      }
      guard.set("maxRetries", maxRetries);
      this.maxRetries = maxRetries;
      return this;
    }

    /** Also retry when the task raises an exception (up to maxRetries). Default false. */
    public Builder setRetryExceptions(boolean retryExceptions) {
      guard.set("retryExceptions", retryExceptions);
      this.retryExceptions = retryExceptions;
      return this;
    }

    /** A display name for the task (logs, errors, dashboard). */
    public Builder setName(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("Task name must not be empty");
      }
      guard.set("name", name);
      this.name = name;
      return this;
    }

    public CallOptions build() {
      return new CallOptions(this);
    }
  }
}
