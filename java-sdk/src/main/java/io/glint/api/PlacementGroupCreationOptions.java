package io.glint.api;

import io.glint.api.internal.ResourceValidation;
import io.glint.api.internal.SettingGuard;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Options of {@link PlacementGroups#createPlacementGroup(PlacementGroupCreationOptions)}.
 *
 * <pre>{@code
 * PlacementGroups.createPlacementGroup(
 *     PlacementGroupCreationOptions.builder()
 *         .setBundles(List.of(Map.of("CPU", 2.0), Map.of("CPU", 2.0)))
 *         .setStrategy(PlacementStrategy.STRICT_SPREAD)
 *         .setName("trainers")
 *         .setLifetime(PlacementGroupCreationOptions.Lifetime.DETACHED)
 *         .build());
 * }</pre>
 */
public final class PlacementGroupCreationOptions {
  /** How long a group lives. */
  public enum Lifetime {
    /** Removed when the job that created it ends (the default). */
    JOB,
    /** Lives until removed, beyond its job. */
    DETACHED
  }

  private final List<Map<String, Double>> bundles;
  private final PlacementStrategy strategy;
  private final String name;
  private final Lifetime lifetime;

  private PlacementGroupCreationOptions(Builder b) {
    this.bundles = List.copyOf(b.bundles);
    this.strategy = b.strategy == null ? PlacementStrategy.PACK : b.strategy;
    this.name = b.name;
    this.lifetime = b.lifetime == null ? Lifetime.JOB : b.lifetime;
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Map<String, Double>> bundles() {
    return bundles;
  }

  public PlacementStrategy strategy() {
    return strategy;
  }

  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  public Lifetime lifetime() {
    return lifetime;
  }

  /** Builds {@link PlacementGroupCreationOptions}. Each setting may be given once. */
  public static final class Builder {
    private final SettingGuard guard = new SettingGuard("PlacementGroupCreationOptions");
    private final List<Map<String, Double>> bundles = new ArrayList<>();
    private PlacementStrategy strategy;
    private String name;
    private Lifetime lifetime;

    private Builder() {}

    /** The bundles: one map of resources each (e.g. {@code {"CPU": 4, "GPU": 1}}). */
    public Builder setBundles(List<Map<String, Double>> bundles) {
      if (bundles == null || bundles.isEmpty()) {
        throw new IllegalArgumentException("a placement group needs at least one bundle");
      }
      guard.set("bundles", bundles);
      for (int i = 0; i < bundles.size(); i++) {
        Map<String, Double> b = bundles.get(i);
        if (b == null || b.isEmpty() || b.values().stream().allMatch(v -> v != null && v == 0)) {
          throw new IllegalArgumentException(
              "bundle " + i + " of the placement group reserves nothing: " + b);
        }
        this.bundles.add(new LinkedHashMap<>(ResourceValidation.checkAll(b)));
      }
      return this;
    }

    public Builder setStrategy(PlacementStrategy strategy) {
      guard.set("strategy", strategy);
      this.strategy = java.util.Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /** A name to find the group by ({@link PlacementGroups#getPlacementGroup(String)}). */
    public Builder setName(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("A placement group name must not be empty");
      }
      guard.set("name", name);
      this.name = name;
      return this;
    }

    public Builder setLifetime(Lifetime lifetime) {
      guard.set("lifetime", lifetime);
      this.lifetime = java.util.Objects.requireNonNull(lifetime, "lifetime");
      return this;
    }

    public PlacementGroupCreationOptions build() {
      if (bundles.isEmpty()) {
        throw new IllegalArgumentException("a placement group needs at least one bundle");
      }
      return new PlacementGroupCreationOptions(this);
    }
  }
}
