package io.glint.cluster.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a cluster YAML file: Ray's keys, checked against a JSON Schema (unknown keys and wrong
 * types are errors naming the key, its line and the closest valid key), then Ray's defaults filled
 * in.
 *
 * <pre>{@code
 * ClusterConfig c = ClusterConfigLoader.load(Path.of("cluster.yaml"));
 * }</pre>
 */
public final class ClusterConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final JsonNode SCHEMA_TREE;
  private static final JsonSchema SCHEMA;

  static {
    try (InputStream in =
        ClusterConfigLoader.class.getResourceAsStream("/io/glint/cluster/cluster-schema.json")) {
      SCHEMA_TREE = new ObjectMapper().readTree(in);
      SCHEMA = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(SCHEMA_TREE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Ray's defaults for what a file leaves out. */
  static final int DEFAULT_MAX_WORKERS = 2;

  static final double DEFAULT_UPSCALING_SPEED = 1.0;
  static final double DEFAULT_IDLE_TIMEOUT_MINUTES = 5;

  private ClusterConfigLoader() {}

  /** Reads and checks {@code file}; a {@link ConfigException} lists every problem. */
  public static ClusterConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(
          file.toString(), List.of(file + ": cannot read it: " + e.getMessage()));
    }
    return parse(text, file);
  }

  /** Checks {@code yaml} as if read from {@code source} (which names it in errors). */
  public static ClusterConfig parse(String yaml, Path source) {
    String name = source.getFileName() == null ? source.toString() : source.toString();
    JsonNode root;
    YamlLocations lines;
    try {
      root = YAML.readTree(yaml);
      lines = YamlLocations.index(yaml);
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 1 : e.getLocation().getLineNr();
      throw new ConfigException(
          name, List.of(name + ":" + line + ": not valid YAML: " + e.getOriginalMessage()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new ConfigException(
          name,
          List.of(name + ":1: a cluster file is a YAML mapping with cluster_name and provider"));
    }
    List<Problem> problems = new ArrayList<>();
    for (ValidationMessage m : SCHEMA.validate(root)) {
      problems.add(describe(m, lines));
    }
    if (problems.isEmpty()) {
      checkMeaning((ObjectNode) root, lines, problems);
    }
    if (!problems.isEmpty()) {
      problems.sort(Comparator.comparingInt(Problem::line).thenComparing(Problem::text));
      throw new ConfigException(
          name, problems.stream().map(p -> name + ":" + p.line() + ": " + p.text()).toList());
    }
    return build((ObjectNode) root, source);
  }

  record Problem(int line, String text) {}

  // ------------------------------------------------------------------ schema messages

  private static Problem describe(ValidationMessage m, YamlLocations lines) {
    String at = path(m.getInstanceLocation().toString());
    String type = m.getType();
    String detail = m.getMessage();
    int colon = detail.indexOf(": ");
    if (detail.startsWith("$") && colon > 0) {
      detail = detail.substring(colon + 2);
    }
    switch (type) {
      case "additionalProperties" -> {
        String key = m.getProperty();
        String full = at.isEmpty() ? key : at + "." + key;
        List<String> valid = validKeys(m.getSchemaLocation().toString());
        String hint =
            closest(key, valid)
                .map(k -> " (did you mean '" + k + "'?)")
                .orElse(valid.isEmpty() ? "" : " (valid keys: " + String.join(", ", valid) + ")");
        return new Problem(lines.line(full), full + ": unknown key" + hint);
      }
      case "required" -> {
        String key = m.getProperty();
        return new Problem(
            lines.line(at),
            (at.isEmpty() ? "" : at + ": ") + "the required key '" + key + "' is missing");
      }
      case "type" -> {
        return new Problem(lines.line(at), at + ": wrong type: " + detail);
      }
      default -> {
        return new Problem(lines.line(at), (at.isEmpty() ? "(top level)" : at) + ": " + detail);
      }
    }
  }

  /** {@code $.provider.worker_ips[0]} to {@code provider.worker_ips[0]}. */
  private static String path(String jsonPath) {
    String p = jsonPath.startsWith("$") ? jsonPath.substring(1) : jsonPath;
    if (p.startsWith(".")) {
      p = p.substring(1);
    }
    // Keys that are not identifiers come as ['key'].
    return p.replaceAll("\\['([^']*)'\\]", ".$1").replaceAll("^\\.", "");
  }

  /** The keys the schema object around an {@code additionalProperties} rule allows. */
  private static List<String> validKeys(String schemaLocation) {
    int hash = schemaLocation.indexOf('#');
    String pointer = hash < 0 ? "" : schemaLocation.substring(hash + 1);
    if (pointer.endsWith("/additionalProperties")) {
      pointer = pointer.substring(0, pointer.length() - "/additionalProperties".length());
    }
    JsonNode at = SCHEMA_TREE.at(pointer);
    JsonNode props = at.path("properties");
    List<String> keys = new ArrayList<>();
    props.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  /** The valid key nearest to a misspelt one, when it is near enough to be what was meant. */
  static Optional<String> closest(String key, List<String> valid) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String lower = key.toLowerCase(java.util.Locale.ROOT);
    if (lower.length() >= 4) {
      // A key cut short (idle_timeout for idle_timeout_minutes) is what was meant.
      for (String v : valid) {
        if (v.startsWith(lower)) {
          return Optional.of(v);
        }
      }
    }
    for (String v : valid) {
      int d = distance(key.toLowerCase(java.util.Locale.ROOT), v);
      if (d < bestDistance) {
        best = v;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, key.length() / 3)
        ? Optional.of(best)
        : Optional.empty();
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  // ------------------------------------------------------------------ rules the schema cannot say

  private static void checkMeaning(ObjectNode root, YamlLocations lines, List<Problem> problems) {
    JsonNode types = root.path("available_node_types");
    if (types.isMissingNode()) {
      problems.add(
          new Problem(
              1,
              "available_node_types: missing; a cluster needs at least one node type (the head's)"));
      return;
    }
    List<String> names = new ArrayList<>();
    types.fieldNames().forEachRemaining(names::add);
    if (root.has("head_node_type")) {
      String head = root.get("head_node_type").asText();
      if (!types.has(head)) {
        problems.add(
            new Problem(
                lines.line("head_node_type"),
                "head_node_type: '"
                    + head
                    + "' is not one of available_node_types"
                    + closest(head, names)
                        .map(k -> " (did you mean '" + k + "'?)")
                        .orElse(" (" + String.join(", ", names) + ")")));
      }
    } else if (!types.has("head")) {
      problems.add(
          new Problem(
              lines.line("available_node_types"),
              "head_node_type: missing, and no node type is named 'head'; say which of "
                  + String.join(", ", names)
                  + " is the head"));
    }
    int globalMax = root.path("max_workers").asInt(DEFAULT_MAX_WORKERS);
    for (String n : names) {
      JsonNode t = types.get(n);
      int min = t.path("min_workers").asInt(0);
      int max = t.path("max_workers").asInt(globalMax);
      if (min > max) {
        problems.add(
            new Problem(
                lines.line("available_node_types." + n + ".min_workers"),
                "available_node_types."
                    + n
                    + ".min_workers: "
                    + min
                    + " is more than its max_workers ("
                    + max
                    + ")"));
      }
    }
    JsonNode provider = root.path("provider");
    String type = provider.path("type").asText();
    List<String> needed =
        switch (type) {
          case "aws" -> List.of("region");
          case "gcp" -> List.of("region", "availability_zone", "project_id");
          default -> List.of();
        };
    for (String k : needed) {
      if (!provider.has(k)) {
        problems.add(
            new Problem(
                lines.line("provider"),
                "provider." + k + ": the " + type + " provider needs it; add it under provider"));
      }
    }
    for (String role : List.of("head", "worker")) {
      if (root.has(role + "_start_glint_commands") && root.has(role + "_start_ray_commands")) {
        problems.add(
            new Problem(
                lines.line(role + "_start_ray_commands"),
                role
                    + "_start_ray_commands: give "
                    + role
                    + "_start_glint_commands or this (Ray's name for it), not both"));
      }
    }
  }

  // ------------------------------------------------------------------ defaults

  /** Ray's default start commands, in Glint's words. */
  static final List<String> DEFAULT_HEAD_START =
      List.of(
          "glint stop",
          "glint start --head --port="
              + ClusterConfig.HEAD_PORT
              + " --autoscaling-config=~/glint_bootstrap_config.yaml");

  static final List<String> DEFAULT_WORKER_START =
      List.of("glint stop", "glint start --address=$GLINT_HEAD_IP:" + ClusterConfig.HEAD_PORT);

  private static ClusterConfig build(ObjectNode root, Path source) {
    List<String> warnings = new ArrayList<>();
    if (root.has("docker")) {
      warnings.add(
          "docker: not supported; nodes run Glint directly on the host (the section is ignored)");
    }
    int maxWorkers = root.path("max_workers").asInt(DEFAULT_MAX_WORKERS);
    Map<String, NodeType> types = new LinkedHashMap<>();
    root.get("available_node_types")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode t = e.getValue();
              if (t.has("docker")) {
                warnings.add(
                    "available_node_types."
                        + e.getKey()
                        + ".docker: not supported (the section is ignored)");
              }
              Map<String, Double> res = new LinkedHashMap<>();
              t.path("resources")
                  .fields()
                  .forEachRemaining(r -> res.put(r.getKey(), r.getValue().asDouble()));
              Map<String, String> labels = new LinkedHashMap<>();
              t.path("labels")
                  .fields()
                  .forEachRemaining(r -> labels.put(r.getKey(), r.getValue().asText()));
              types.put(
                  e.getKey(),
                  new NodeType(
                      e.getKey(),
                      (ObjectNode) t.get("node_config"),
                      Collections.unmodifiableMap(res),
                      Collections.unmodifiableMap(labels),
                      t.path("min_workers").asInt(0),
                      t.path("max_workers").asInt(maxWorkers),
                      t.has("worker_setup_commands")
                          ? strings(t.get("worker_setup_commands"))
                          : null));
            });
    JsonNode p = root.get("provider");
    ProviderConfig provider =
        new ProviderConfig(
            p.get("type").asText(),
            text(p, "region"),
            text(p, "availability_zone"),
            text(p, "project_id"),
            p.path("cache_stopped_nodes").asBoolean(true),
            p.path("use_internal_ips").asBoolean(false),
            text(p, "head_ip"),
            p.has("worker_ips") ? strings(p.get("worker_ips")) : List.of(),
            p.path("namespace").asText("default"),
            ((ObjectNode) p).deepCopy());
    JsonNode a = root.path("auth");
    String defaultUser =
        provider.type().equals("local") ? System.getProperty("user.name") : "ubuntu";
    AuthConfig auth =
        new AuthConfig(
            a.path("ssh_user").asText(defaultUser),
            a.has("ssh_private_key") ? a.get("ssh_private_key").asText() : null,
            a.path("ssh_port").asInt(22));
    Map<String, String> mounts = new LinkedHashMap<>();
    root.path("file_mounts")
        .fields()
        .forEachRemaining(e -> mounts.put(e.getKey(), e.getValue().asText()));
    return new ClusterConfig(
        root.get("cluster_name").asText(),
        maxWorkers,
        root.path("upscaling_speed").asDouble(DEFAULT_UPSCALING_SPEED),
        root.path("idle_timeout_minutes").asDouble(DEFAULT_IDLE_TIMEOUT_MINUTES),
        provider,
        auth,
        Collections.unmodifiableMap(types),
        root.has("head_node_type") ? root.get("head_node_type").asText() : "head",
        Collections.unmodifiableMap(mounts),
        strings(root.path("initialization_commands")),
        strings(root.path("setup_commands")),
        strings(root.path("head_setup_commands")),
        strings(root.path("worker_setup_commands")),
        commands(root, "head", DEFAULT_HEAD_START),
        commands(root, "worker", DEFAULT_WORKER_START),
        root.path("no_restart").asBoolean(false),
        List.copyOf(warnings),
        source);
  }

  private static List<String> commands(JsonNode root, String role, List<String> defaults) {
    if (root.has(role + "_start_glint_commands")) {
      return strings(root.get(role + "_start_glint_commands"));
    }
    if (root.has(role + "_start_ray_commands")) {
      return strings(root.get(role + "_start_ray_commands"));
    }
    return defaults;
  }

  private static String text(JsonNode n, String key) {
    return n.has(key) ? n.get(key).asText() : null;
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.forEach(x -> out.add(x.asText()));
    return List.copyOf(out);
  }

  /** An empty {@code node_config}, for code that builds configs by hand (tests). */
  static ObjectNode emptyObject() {
    return JsonNodeFactory.instance.objectNode();
  }
}
