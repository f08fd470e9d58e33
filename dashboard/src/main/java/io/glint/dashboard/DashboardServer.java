package io.glint.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.GetClusterResourcesReply;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.ObjectStoreStats;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import io.glint.internal.runtime.control.DashboardLauncher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The head's HTTP server (Ray's dashboard server on :8265): the cluster's REST API under {@code
 * /api/}, Prometheus metrics on {@code /metrics}, every path behind the cluster token ({@link
 * TokenGate}). Built on the JDK's own HTTP server, so the head carries no web framework.
 *
 * <pre>
 * curl -H "Authorization: Bearer $(cat ~/.../token)" http://127.0.0.1:8265/api/nodes
 * </pre>
 */
final class DashboardServer implements DashboardLauncher.Dashboard {
  private static final System.Logger LOG = System.getLogger(DashboardServer.class.getName());

  /** Ports tried after the one asked for is taken. */
  private static final int PORT_ATTEMPTS = 20;

  private final HttpServer http;
  private final ExecutorService executor;
  private final TokenGate gate;
  private final ClusterSource source;
  private final ClusterMetrics metrics = new ClusterMetrics();
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final String url;

  private final JobManager jobs;

  private DashboardServer(
      HttpServer http,
      ExecutorService executor,
      String token,
      Address control,
      java.nio.file.Path jobsDir,
      java.nio.file.Path discoveryFile) {
    this.http = http;
    this.executor = executor;
    this.gate = new TokenGate(token);
    this.source = new ClusterSource(token, control);
    this.jobs =
        new JobManager(
            jobsDir,
            control.getHost() + ":" + control.getPort(),
            token,
            JobRecords.inControlKv(source::controlStub));
    this.workers = new WorkerSource(token);
    InetSocketAddress a = http.getAddress();
    this.url = "http://" + a.getHostString() + ":" + a.getPort();
    this.history = new ClusterHistory(source, a.getHostString() + ":" + a.getPort(), discoveryFile);
    this.api = new WorkerApi(source, workers);
  }

  private final WorkerSource workers;
  private final ClusterHistory history;
  private final WorkerApi api;

  /** Listens on {@code host:port}, or the next free port of the 20 after it (0: any port). */
  static DashboardServer start(
      String host,
      int port,
      String token,
      Address control,
      java.nio.file.Path jobsDir,
      java.nio.file.Path discoveryFile) {
    HttpServer http = null;
    IOException last = null;
    for (int i = 0; i < (port == 0 ? 1 : PORT_ATTEMPTS) && http == null; i++) {
      try {
        http = HttpServer.create(new InetSocketAddress(host, port == 0 ? 0 : port + i), 64);
      } catch (BindException e) {
        last = e;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the dashboard on " + host + ": " + e, e);
      }
    }
    if (http == null) {
      throw new IllegalStateException(
          "cannot start the dashboard: ports "
              + port
              + "-"
              + (port + PORT_ATTEMPTS - 1)
              + " on "
              + host
              + " are taken ("
              + last.getMessage()
              + "); choose one with --dashboard-port",
          last);
    }
    ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
    http.setExecutor(ex);
    DashboardServer d = new DashboardServer(http, ex, token, control, jobsDir, discoveryFile);
    http.createContext("/", d::handle);
    http.start();
    d.source.publishUrl(d.url);
    if (port != 0 && http.getAddress().getPort() != port) {
      LOG.log(
          System.Logger.Level.INFO,
          "port " + port + " was taken; the dashboard listens on " + d.url + " instead");
    }
    return d;
  }

  @Override
  public String url() {
    return url;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      switch (gate.check(ex)) {
        case DENIED -> {
          send(ex, 401, "text/html; charset=utf-8", deniedPage());
          return;
        }
        case LOGIN -> {
          ex.getResponseHeaders().add("Set-Cookie", gate.loginCookie());
          ex.getResponseHeaders().add("Location", ex.getRequestURI().getPath());
          ex.sendResponseHeaders(302, -1);
          return;
        }
        case ALLOWED -> {}
      }
      if (ex.getRequestURI().getPath().startsWith("/api/jobs")) {
        jobsApi(ex);
        return;
      }
      if (ex.getRequestURI().getPath().startsWith("/api/packages/glint/")) {
        packagesApi(ex);
        return;
      }
      if (!"GET".equals(ex.getRequestMethod())) {
        send(ex, 405, "text/plain; charset=utf-8", bytes("only GET is served here\n"));
        return;
      }
      String path = ex.getRequestURI().getPath();
      try {
        switch (path) {
          case "/metrics" -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            metrics.scrape(source, out);
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", out.toByteArray());
          }
          case "/api/cluster_status" -> sendJson(ex, clusterStatus());
          case "/api/nodes" -> sendJson(ex, nodes());
          case "/api/actors" -> sendJson(ex, api.actors());
          case "/api/workers" -> sendJson(ex, api.workers());
          case "/api/logs/worker" -> sendJson(ex, api.workerLog(query(ex)));
          case "/api/logs/task" -> sendJson(ex, api.taskLog(query(ex)));
          case "/api/history" -> sendJson(ex, history.samples());
          case "/api/placement_groups" ->
              sendJson(ex, source.placementGroups().stream().map(Views::placementGroup).toList());
          case "/api/object_store" -> sendJson(ex, objectStore());
          case "/api/tasks" -> sendJson(ex, tasks(limit(ex, 1000)));
          case "/api/timeline" -> send(ex, 200, "application/json", bytes(timeline(limit(ex, 0))));
          default -> {
            StaticFiles.File f = StaticFiles.get(path);
            if (f == null) {
              send(ex, 404, "text/plain; charset=utf-8", bytes("no such page: " + path + "\n"));
            } else {
              send(ex, 200, f.type(), f.bytes());
            }
          }
        }
      } catch (IllegalArgumentException e) {
        send(ex, 400, "text/plain; charset=utf-8", bytes(e.getMessage() + "\n"));
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "dashboard request " + path + " failed: " + e);
        send(
            ex,
            503,
            "text/plain; charset=utf-8",
            bytes("the cluster did not answer: " + e.getMessage() + "\n"));
      }
    }
  }

  /** Ray's Jobs API: submit, list, info, stop, delete, logs and a streaming tail. */
  private void jobsApi(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    String[] parts =
        java.util.Arrays.stream(ex.getRequestURI().getPath().split("/"))
            .filter(p -> !p.isEmpty())
            .toArray(String[]::new); // api, jobs, [id, [logs|stop, [tail]]]
    try {
      if (parts.length == 2) {
        if ("POST".equals(method)) {
          Map<?, ?> body = json.readValue(ex.getRequestBody(), Map.class);
          Map<?, ?> env = body.get("runtime_env") instanceof Map<?, ?> m ? m : Map.of();
          JobManager.Job j =
              jobs.submit(
                  (String) body.get("submission_id"),
                  (String) body.get("entrypoint"),
                  (String) env.get("working_dir"),
                  strings(env.get("env_vars")),
                  strings(body.get("metadata")));
          sendJson(ex, Map.of("submission_id", j.id));
        } else if ("GET".equals(method)) {
          sendJson(ex, jobs.all().stream().map(JobManager::view).toList());
        } else {
          sendError(ex, 405, method + " is not served on /api/jobs/");
        }
        return;
      }
      JobManager.Job j = jobs.get(parts[2]);
      if (j == null) {
        sendError(ex, 404, "no job with submission_id '" + parts[2] + "'");
        return;
      }
      String action = parts.length > 3 ? parts[3] : "";
      switch (method + " " + action + (parts.length > 4 ? "/" + parts[4] : "")) {
        case "GET " -> sendJson(ex, JobManager.view(j));
        case "DELETE " -> sendJson(ex, Map.of("deleted", jobs.delete(j.id)));
        case "POST stop" -> sendJson(ex, Map.of("stopped", jobs.stop(j.id)));
        case "GET logs" ->
            sendJson(ex, Map.of("logs", new String(JobManager.logs(j, 0), StandardCharsets.UTF_8)));
        case "GET logs/tail" -> tail(ex, j);
        default -> sendError(ex, 404, "no such job endpoint: " + method + " " + ex.getRequestURI());
      }
    } catch (IllegalArgumentException | ClassCastException e) {
      sendError(ex, 400, e.getMessage());
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      sendError(ex, 400, "the body is not JSON: " + e.getOriginalMessage());
    }
  }

  /** Jobs' uploaded working directories: {@code GET} (is it there?) and {@code PUT} (upload). */
  private void packagesApi(HttpExchange ex) throws IOException {
    String name = ex.getRequestURI().getPath().substring("/api/packages/glint/".length());
    try {
      switch (ex.getRequestMethod()) {
        case "GET" -> {
          if (jobs.packages().exists(name)) {
            sendJson(ex, Map.of("exists", true));
          } else {
            sendError(ex, 404, "no package " + name);
          }
        }
        case "PUT" ->
            sendJson(ex, Map.of("uploaded", jobs.packages().store(name, ex.getRequestBody())));
        default -> sendError(ex, 405, ex.getRequestMethod() + " is not served on /api/packages/");
      }
    } catch (IllegalArgumentException e) {
      sendError(ex, 400, e.getMessage());
    }
  }

  /** Streams the job's output as it is written, until the job ends (chunked text). */
  private void tail(HttpExchange ex, JobManager.Job j) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(200, 0);
    long at = 0;
    try (OutputStream out = ex.getResponseBody()) {
      while (true) {
        boolean ended = j.status.terminal();
        byte[] b = JobManager.logs(j, at);
        if (b.length > 0) {
          out.write(b);
          out.flush();
          at += b.length;
        } else if (ended) {
          return;
        } else {
          try {
            jobs.awaitEnd(j, 200);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  private static Map<String, String> strings(Object o) {
    if (o == null) {
      return Map.of();
    }
    if (!(o instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("expected an object of strings, got " + o);
    }
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    return out;
  }

  private void sendError(HttpExchange ex, int status, String message) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    byte[] body = json.writeValueAsBytes(Map.of("error", message));
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private Map<String, Object> clusterStatus() {
    GetClusterResourcesReply c = source.cluster();
    List<Map<String, Object>> actors = source.actors().stream().map(Views::actor).toList();
    List<Map<String, Object>> groups =
        source.placementGroups().stream().map(Views::placementGroup).toList();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nodes_alive", c.getNodesList().stream().filter(NodeInfo::getAlive).count());
    m.put("nodes_dead", c.getNodesList().stream().filter(n -> !n.getAlive()).count());
    m.put("total", ResourceSet.fromProto(c.getTotal()).toMap());
    m.put("available", ResourceSet.fromProto(c.getAvailable()).toMap());
    m.put("actors", Views.countBy(actors, "state"));
    m.put("placement_groups", Views.countBy(groups, "state"));
    return m;
  }

  private List<Map<String, Object>> nodes() {
    List<NodeInfo> nodes = source.cluster().getNodesList();
    Map<String, ObjectStoreStats> stores = new LinkedHashMap<>();
    for (ObjectStoreStats s : source.stores(nodes, false)) {
      stores.put(Ids.hex(s.getNodeId()), s);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (NodeInfo n : nodes) {
      out.add(Views.node(n, stores.get(Ids.hex(n.getNodeId()))));
    }
    return out;
  }

  private static int limit(HttpExchange ex, int dflt) {
    String v = query(ex).get("limit");
    if (v == null) {
      return dflt;
    }
    try {
      return Math.max(0, Integer.parseInt(v));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("limit must be a number, got " + v);
    }
  }

  /** The most recent tasks (newest last) with the totals. */
  private Map<String, Object> tasks(int limit) {
    var r = source.taskEvents(limit);
    Map<String, String> names = nodeNames();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("finished_total", r.getFinishedTotal());
    m.put("failed_total", r.getFailedTotal());
    m.put("dropped_total", r.getDroppedTotal());
    m.put("tasks", r.getEventsList().stream().map(e -> Views.task(e, names)).toList());
    return m;
  }

  private String timeline(int limit) {
    return io.glint.internal.runtime.common.ChromeTrace.of(
        source.taskEvents(limit).getEventsList(), nodeNames());
  }

  private Map<String, String> nodeNames() {
    Map<String, String> names = new LinkedHashMap<>();
    for (NodeInfo n : source.cluster().getNodesList()) {
      names.put(Ids.hex(n.getNodeId()), n.getNodeName());
    }
    return names;
  }

  private List<Map<String, Object>> objectStore() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ObjectStoreStats s : source.stores(source.cluster().getNodesList(), true)) {
      out.add(Views.store(s, 20));
    }
    return out;
  }

  private void sendJson(HttpExchange ex, Object value) throws IOException {
    send(ex, 200, "application/json", json.writeValueAsBytes(value));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] deniedPage() {
    return bytes(
        """
        <!doctype html><html><head><title>Glint dashboard: token needed</title></head><body>
        <h1>This Glint dashboard needs the cluster's token</h1>
        <p>Open the address <code>glint start --head</code> printed (it ends in
        <code>/?token=&hellip;</code>), or send <code>Authorization: Bearer &lt;token&gt;</code>.
        The token is in the file <code>glint start --head</code> named; <code>glint status</code>
        finds it for its user.</p></body></html>
        """);
  }

  /** The query's parameters (the last value of each). */
  private static Map<String, String> query(HttpExchange ex) {
    Map<String, String> m = new LinkedHashMap<>();
    String q = ex.getRequestURI().getRawQuery();
    if (q != null) {
      for (String part : q.split("&")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          m.put(
              java.net.URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
              java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return m;
  }

  @Override
  public void close() {
    source.publishUrl(null);
    history.close();
    workers.close();
    jobs.close();
    http.stop(0);
    executor.shutdownNow();
    source.close();
  }
}
