package io.glint.tune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Parameter spaces as nested maps: every {@link Domain} found with its path ({@code a/b} for nested
 * maps), grids expanded, and configs resolved from a space (constants kept, domains sampled or set,
 * {@link Domain.SampleFrom} computed last from the rest).
 */
public final class Configs {
  private Configs() {}

  /** Each domain of the space by its path, in the space's order. */
  public static Map<String, Domain> domains(Map<String, ?> space) {
    Map<String, Domain> out = new LinkedHashMap<>();
    walk(space, "", out);
    return out;
  }

  private static void walk(Map<String, ?> space, String prefix, Map<String, Domain> out) {
    for (Map.Entry<String, ?> e : sorted(space).entrySet()) {
      String path = prefix + e.getKey();
      if (e.getValue() instanceof Domain d) {
        out.put(path, d);
      } else if (e.getValue() instanceof Map<?, ?> m) {
        @SuppressWarnings("unchecked")
        Map<String, ?> nested = (Map<String, ?>) m;
        walk(nested, path + "/", out);
      }
    }
  }

  /** Every combination of the space's grids, each as path to value (one empty map if none). */
  public static List<Map<String, Object>> gridPoints(Map<String, ?> space) {
    List<Map<String, Object>> points = new ArrayList<>();
    points.add(new LinkedHashMap<>());
    for (Map.Entry<String, Domain> e : domains(space).entrySet()) {
      if (e.getValue() instanceof Domain.Grid g) {
        List<Map<String, Object>> next = new ArrayList<>();
        for (Map<String, Object> p : points) {
          for (Object v : g.values()) {
            Map<String, Object> q = new LinkedHashMap<>(p);
            q.put(e.getKey(), v);
            next.add(q);
          }
        }
        points = next;
      }
    }
    return points;
  }

  /**
   * A config from the space: values in {@code fixed} (by path) win, other domains are sampled, then
   * {@code sampleFrom} functions run with the config built so far.
   */
  public static Map<String, Object> resolve(
      Map<String, ?> space, Map<String, Object> fixed, Random random) {
    Map<String, Object> config = build(space, "", fixed, random);
    resolveFunctions(space, config, config);
    return config;
  }

  private static Map<String, Object> build(
      Map<String, ?> space, String prefix, Map<String, Object> fixed, Random random) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : sorted(space).entrySet()) {
      String path = prefix + e.getKey();
      Object v = e.getValue();
      if (fixed.containsKey(path)) {
        out.put(e.getKey(), fixed.get(path));
      } else if (v instanceof Domain.SampleFrom) {
        out.put(e.getKey(), null); // computed once the rest is known
      } else if (v instanceof Domain d) {
        out.put(e.getKey(), d.sample(random));
      } else if (v instanceof Map<?, ?> m) {
        @SuppressWarnings("unchecked")
        Map<String, ?> nested = (Map<String, ?>) m;
        out.put(e.getKey(), build(nested, path + "/", fixed, random));
      } else {
        out.put(e.getKey(), v);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void resolveFunctions(
      Map<String, ?> space, Map<String, Object> level, Map<String, Object> root) {
    for (Map.Entry<String, ?> e : sorted(space).entrySet()) {
      if (e.getValue() instanceof Domain.SampleFrom f && level.get(e.getKey()) == null) {
        level.put(e.getKey(), f.function().apply(root));
      } else if (e.getValue() instanceof Map<?, ?> m
          && level.get(e.getKey()) instanceof Map<?, ?> sub) {
        resolveFunctions((Map<String, ?>) m, (Map<String, Object>) sub, root);
      }
    }
  }

  /**
   * The space in key order: sampling visits keys in this order, so a seed gives the same configs
   * whatever map the space was written as ({@code Map.of} iterates differently in each JVM).
   */
  private static Map<String, ?> sorted(Map<String, ?> space) {
    return new java.util.TreeMap<>(space);
  }

  /** A nested config as path to value ({@code a/b}). */
  public static Map<String, Object> flatten(Map<String, ?> config) {
    Map<String, Object> out = new LinkedHashMap<>();
    flatten(config, "", out);
    return out;
  }

  private static void flatten(Map<String, ?> config, String prefix, Map<String, Object> out) {
    if (config == null) {
      return;
    }
    for (Map.Entry<String, ?> e : config.entrySet()) {
      if (e.getValue() instanceof Map<?, ?> m) {
        @SuppressWarnings("unchecked")
        Map<String, ?> nested = (Map<String, ?>) m;
        flatten(nested, prefix + e.getKey() + "/", out);
      } else {
        out.put(prefix + e.getKey(), e.getValue());
      }
    }
  }

  /** A copy of {@code config} with the value at {@code path} replaced. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> with(Map<String, Object> config, String path, Object value) {
    Map<String, Object> copy = deepCopy(config);
    String[] parts = path.split("/");
    Map<String, Object> level = copy;
    for (int i = 0; i < parts.length - 1; i++) {
      level = (Map<String, Object>) level.get(parts[i]);
    }
    level.put(parts[parts.length - 1], value);
    return copy;
  }

  /** The value at {@code path}. */
  @SuppressWarnings("unchecked")
  public static Object get(Map<String, Object> config, String path) {
    Object level = config;
    for (String p : path.split("/")) {
      level = ((Map<String, Object>) level).get(p);
    }
    return level;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> deepCopy(Map<String, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach(
        (k, v) -> out.put(k, v instanceof Map<?, ?> sub ? deepCopy((Map<String, Object>) sub) : v));
    return out;
  }
}
