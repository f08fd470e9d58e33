package io.glint.internal.runtime.core;

import io.glint.api.ActorHandle;
import io.glint.api.ActorLifetime;
import io.glint.api.ActorOptions;
import io.glint.api.CallOptions;
import io.glint.api.ObjectRef;
import io.glint.api.PlacementGroup;
import io.glint.api.PlacementGroupCreationOptions;
import io.glint.api.PlacementGroups;
import io.glint.api.PlacementStrategy;
import io.glint.api.SchedulingStrategy;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.serialization.ArrowCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.c.ArrowArray;
import org.apache.arrow.c.ArrowSchema;

/**
 * What Python code asks of the core worker beyond get/put/wait: its own functions and classes as
 * tasks and actors (Ray's {@code @remote}, through {@code glint._remote}), actor control, placement
 * groups, cluster information. Requests are XLANG maps from {@code glint._remote} and {@code
 * glint/__init__.py}; option names are Ray's.
 */
final class PythonCalls {
  private final CoreWorker worker;

  /** Placement groups by id, as this process made or looked them up. */
  private final Map<String, PlacementGroup> groups = new ConcurrentHashMap<>();

  private final PlacementGroupClient groupLookup;

  PythonCalls(CoreWorker worker) {
    this.worker = worker;
    this.groupLookup = new PlacementGroupClient(worker);
  }

  /** The answer to {@code op}; fails for a request it does not know. */
  Object handle(String op, Map<?, ?> req) {
    return switch (op) {
      case "submit_py" -> submit(req);
      case "create_py_actor" -> createActor(req);
      case "call_py_actor" ->
          worker.submitActorTask(
              actor(req),
              new FunctionResolver.PythonNamed("", text(req, "method"), text(req, "name"), false),
              args(req),
              text(req, "name"));
      case "kill" -> {
        worker.kill(actor(req), Boolean.TRUE.equals(req.get("no_restart")));
        yield null;
      }
      case "cancel" -> {
        worker.cancel((ObjectRef<?>) req.get("ref"), Boolean.TRUE.equals(req.get("force")));
        yield null;
      }
      case "get_actor" -> {
        Optional<ActorHandle<Object>> h =
            worker.getActor(text(req, "name"), (String) req.get("namespace"));
        yield h.map(ActorHandle::id).orElse(null);
      }
      case "put_numpy" -> putNumeric(req);
      case "put_arrow" -> putTable(req);
      case "cluster_resources" -> worker.clusterResources();
      case "available_resources" -> worker.availableResources();
      case "nodes" -> nodes();
      case "runtime_context" -> context();
      case "pg_create" -> createGroup(req);
      case "pg_ready" -> group(req).ready();
      case "pg_wait" -> group(req).waitMillis(number(req, "timeout_ms", -1).longValue());
      case "pg_remove" -> {
        worker.removePlacementGroup(group(req));
        yield null;
      }
      case "pg_table" -> groupTable();
      default -> PythonDriver.handle(op, req);
    };
  }

  private ObjectRef<Object> submit(Map<?, ?> req) {
    Map<?, ?> o = options(req);
    CallOptions.Builder b = CallOptions.builder();
    resources(o).forEach(b::setResource);
    if (o.get("max_retries") instanceof Number n) {
      b.setMaxRetries(n.intValue());
    }
    if (Boolean.TRUE.equals(o.get("retry_exceptions"))) {
      b.setRetryExceptions(true);
    }
    strategy(o).ifPresent(b::setSchedulingStrategy);
    return worker.submitTask(
        new FunctionResolver.PythonNamed(
            text(req, "module"), text(req, "function"), text(req, "name"), false),
        args(req),
        b.build());
  }

  private String createActor(Map<?, ?> req) {
    Map<?, ?> o = options(req);
    ActorOptions.Builder b = ActorOptions.builder();
    resources(o).forEach(b::setResource);
    if (o.get("max_concurrency") instanceof Number n) {
      b.setMaxConcurrency(n.intValue());
    }
    if (o.get("max_restarts") instanceof Number n) {
      b.setMaxRestarts(n.intValue());
    }
    if (o.get("max_task_retries") instanceof Number n) {
      b.setMaxTaskRetries(n.intValue());
    }
    if (o.get("name") instanceof String name) {
      b.setName(name);
    }
    if (o.get("namespace") instanceof String ns) {
      b.setNamespace(ns);
    }
    if ("detached".equals(o.get("lifetime"))) {
      b.setLifetime(ActorLifetime.DETACHED);
    } else if (o.get("lifetime") != null && !"non_detached".equals(o.get("lifetime"))) {
      throw new IllegalArgumentException(
          "lifetime must be 'detached' or 'non_detached' (or None), got " + o.get("lifetime"));
    }
    strategy(o).ifPresent(b::setSchedulingStrategy);
    ActorHandle<Object> h =
        worker.createActor(
            new FunctionResolver.PythonNamed(
                text(req, "module"), text(req, "cls"), text(req, "name"), true),
            args(req),
            b.build());
    return h.id();
  }

  /** A 1-D numpy array Python exported through the C Data Interface, stored as a flat buffer. */
  private ObjectRef<Object> putNumeric(Map<?, ?> req) {
    ArrowArray array = ArrowArray.wrap(number(req, "array", 0).longValue());
    ArrowSchema schema = ArrowSchema.wrap(number(req, "schema", 0).longValue());
    try (var vector = worker.codec().arrow().importVectorFromC(array, schema)) {
      return worker.put(ArrowCodec.bufferView(vector));
    }
  }

  /** A record batch Python exported through the C Data Interface, stored as Arrow. */
  private ObjectRef<Object> putTable(Map<?, ?> req) {
    ArrowArray array = ArrowArray.wrap(number(req, "array", 0).longValue());
    ArrowSchema schema = ArrowSchema.wrap(number(req, "schema", 0).longValue());
    try (var root = worker.codec().arrow().importFromC(array, schema)) {
      return worker.put(root);
    }
  }

  private ActorHandle<?> actor(Map<?, ?> req) {
    return worker.actorFromId(Ids.fromHex(text(req, "actor")));
  }

  private static Object[] args(Map<?, ?> req) {
    return req.get("args") instanceof List<?> l ? l.toArray() : new Object[0];
  }

  private static Map<?, ?> options(Map<?, ?> req) {
    return req.get("options") instanceof Map<?, ?> m ? m : Map.of();
  }

  /** Ray's num_cpus, num_gpus, memory and resources as Glint's resource names. */
  private static Map<String, Double> resources(Map<?, ?> o) {
    Map<String, Double> r = new LinkedHashMap<>();
    if (o.get("num_cpus") instanceof Number n) {
      r.put("CPU", n.doubleValue());
    }
    if (o.get("num_gpus") instanceof Number n) {
      r.put("GPU", n.doubleValue());
    }
    if (o.get("memory") instanceof Number n) {
      r.put("memory", n.doubleValue());
    }
    if (o.get("resources") instanceof Map<?, ?> m) {
      m.forEach((k, v) -> r.put(String.valueOf(k), ((Number) v).doubleValue()));
    }
    return r;
  }

  /**
   * The scheduling strategy Python described: {@code "DEFAULT"}, {@code "SPREAD"}, or a map with
   * {@code kind} {@code node_affinity} (node_id, soft) or {@code placement_group} (group,
   * bundle_index, capture_child_tasks).
   */
  private Optional<SchedulingStrategy> strategy(Map<?, ?> o) {
    Object s = o.get("scheduling_strategy");
    if (s == null) {
      return Optional.empty();
    }
    if (s instanceof String name) {
      return Optional.of(
          switch (name) {
            case "DEFAULT" -> SchedulingStrategy.defaultStrategy();
            case "SPREAD" -> SchedulingStrategy.spread();
            default ->
                throw new IllegalArgumentException(
                    "scheduling_strategy must be 'DEFAULT', 'SPREAD' or a strategy object, got '"
                        + name
                        + "'");
          });
    }
    Map<?, ?> m = (Map<?, ?>) s;
    return Optional.of(
        switch (text(m, "kind")) {
          case "node_affinity" ->
              SchedulingStrategy.nodeAffinity(
                  text(m, "node_id"), Boolean.TRUE.equals(m.get("soft")));
          case "placement_group" ->
              SchedulingStrategy.placementGroup(
                  group((Map<?, ?>) m.get("group")),
                  number(m, "bundle_index", -1).intValue(),
                  Boolean.TRUE.equals(m.get("capture_child_tasks")));
          default -> throw new IllegalArgumentException("unknown scheduling strategy " + m);
        });
  }

  private Map<String, Object> createGroup(Map<?, ?> req) {
    PlacementGroupCreationOptions.Builder b = PlacementGroupCreationOptions.builder();
    List<Map<String, Double>> bundles = new ArrayList<>();
    for (Object bundle : (List<?>) req.get("bundles")) {
      Map<String, Double> one = new LinkedHashMap<>();
      ((Map<?, ?>) bundle)
          .forEach((k, v) -> one.put(String.valueOf(k), ((Number) v).doubleValue()));
      bundles.add(one);
    }
    b.setBundles(bundles);
    String strategy = req.get("strategy") == null ? "PACK" : text(req, "strategy");
    try {
      b.setStrategy(PlacementStrategy.valueOf(strategy));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "strategy must be PACK, SPREAD, STRICT_PACK or STRICT_SPREAD, got '" + strategy + "'");
    }
    if (req.get("name") instanceof String name && !name.isEmpty()) {
      b.setName(name);
    }
    if ("detached".equals(req.get("lifetime"))) {
      b.setLifetime(PlacementGroupCreationOptions.Lifetime.DETACHED);
    }
    PlacementGroup g = worker.createPlacementGroup(b.build());
    groups.put(g.id(), g);
    return describe(g);
  }

  private static Map<String, Object> describe(PlacementGroup g) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", g.id());
    m.put("bundles", g.bundles());
    m.put("strategy", g.strategy().name());
    m.put("name", g.name().orElse(""));
    return m;
  }

  /** The group a request names by id ({@code id}, or a {@code group} map holding one). */
  private PlacementGroup group(Map<?, ?> req) {
    String id = req.get("group") instanceof Map<?, ?> g ? text(g, "id") : text(req, "id");
    PlacementGroup g = groups.get(id);
    if (g == null) {
      g =
          groupLookup
              .byId(id)
              .orElseThrow(
                  () -> new IllegalArgumentException("the cluster knows no placement group " + id));
      groups.put(id, g);
    }
    return g;
  }

  private List<Map<String, Object>> groupTable() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (PlacementGroups.TableEntry e : worker.placementGroupTable()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("placement_group_id", e.id());
      m.put("name", e.name().orElse(""));
      m.put("strategy", e.strategy().name());
      m.put("state", e.state().name());
      m.put("bundles", e.bundles());
      m.put("bundles_to_node_id", e.bundleNodeIds());
      out.add(m);
    }
    return out;
  }

  private List<Map<String, Object>> nodes() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (var n : worker.nodes()) {
      // Ray's keys for ray.nodes()
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("NodeID", n.nodeId());
      m.put("NodeName", n.name());
      m.put("NodeManagerAddress", n.address());
      m.put("Alive", n.alive());
      m.put("Resources", n.total());
      m.put("Available", n.available());
      out.add(m);
    }
    return out;
  }

  private Map<String, Object> context() {
    var c = worker.runtimeContext();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job_id", c.getJobId());
    m.put("node_id", c.getNodeId());
    m.put("task_id", c.getTaskId().orElse(null));
    m.put("actor_id", c.getActorId().orElse(null));
    m.put("namespace", c.getNamespace());
    m.put("is_driver", c.isDriver());
    m.put("gpu_ids", c.getGpuIds());
    return m;
  }

  private static String text(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("request field '" + key + "' must be a string, got " + v);
    }
    return s;
  }

  private static Number number(Map<?, ?> m, String key, long otherwise) {
    return m.get(key) instanceof Number n ? n : otherwise;
  }
}
