package io.glint.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.node.NodeMetricsLauncher;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A node daemon's Prometheus endpoint ({@code /metrics}, behind the cluster token): its worker
 * processes (by state, resident memory, heap, running tasks) and the daemon's own JVM. The
 * cluster-wide numbers (resources, object stores, transfers, actors, tasks) are on the head's
 * endpoint, one series per node, so a Prometheus that scrapes both never counts anything twice.
 */
final class NodeMetricsServer implements NodeMetricsLauncher.Exporter {
  /** Found by {@code ServiceLoader} in the node daemon's process. */
  public static final class Launcher implements NodeMetricsLauncher {
    @Override
    public Exporter start(String host, int port, String token) {
      return NodeMetricsServer.start(host, port, token);
    }
  }

  private final HttpServer http;
  private final ExecutorService executor;
  private final TokenGate gate;
  private final WorkerSource workers;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private volatile NodeInfo node;

  private final Gauge workerCount =
      Gauge.builder()
          .name("glint_node_workers")
          .help("Worker processes of this node by state (STARTING, IDLE, LEASED, ACTOR)")
          .labelNames("NodeId", "State")
          .register(registry);
  private final Gauge rss =
      Gauge.builder()
          .name("glint_component_rss_bytes")
          .help("Resident memory of each worker process")
          .labelNames("NodeId", "Pid", "State", "ActorName")
          .register(registry);
  private final Gauge heap =
      Gauge.builder()
          .name("glint_worker_heap_used_bytes")
          .help("JVM heap in use in each worker process")
          .labelNames("NodeId", "Pid")
          .register(registry);
  private final Gauge running =
      Gauge.builder()
          .name("glint_node_running_tasks")
          .help("Tasks running on this node's workers now")
          .labelNames("NodeId")
          .register(registry);

  private NodeMetricsServer(HttpServer http, ExecutorService executor, String token) {
    this.http = http;
    this.executor = executor;
    this.gate = new TokenGate(token);
    this.workers = new WorkerSource(token);
    JvmMetrics.builder().register(registry);
  }

  static NodeMetricsServer start(String host, int port, String token) {
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e, e);
    }
    ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
    http.setExecutor(ex);
    NodeMetricsServer s = new NodeMetricsServer(http, ex, token);
    http.createContext("/", s::handle);
    http.start();
    return s;
  }

  @Override
  public int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void attach(Address address) {
    node =
        NodeInfo.newBuilder()
            .setNodeId(address.getNodeId())
            .setAddress(address)
            .setAlive(true)
            .build();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (gate.check(ex) != TokenGate.Verdict.ALLOWED) {
        send(ex, 401, "send the cluster token: Authorization: Bearer <token>\n");
        return;
      }
      if (!ex.getRequestURI().getPath().equals("/metrics")) {
        send(ex, 404, "this node serves /metrics only\n");
        return;
      }
      NodeInfo n = node;
      if (n == null) {
        send(ex, 503, "the node is starting\n");
        return;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      scrape(n, out);
      ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      ex.sendResponseHeaders(200, out.size());
      try (OutputStream o = ex.getResponseBody()) {
        out.writeTo(o);
      }
    }
  }

  private synchronized void scrape(NodeInfo n, OutputStream out) throws IOException {
    List<WorkerSource.Worker> list = workers.workers(List.of(n));
    String id = Ids.hex(n.getNodeId());
    for (Gauge g : List.of(workerCount, rss, heap)) {
      g.clear();
    }
    TreeMap<String, Integer> byState = new TreeMap<>();
    for (String s : List.of("STARTING", "IDLE", "LEASED", "ACTOR")) {
      byState.put(s, 0);
    }
    int runningTasks = 0;
    for (WorkerSource.Worker w : list) {
      String pid = Integer.toString(w.process().getPid());
      byState.merge(w.process().getState(), 1, Integer::sum);
      rss.labelValues(id, pid, w.process().getState(), w.process().getActorName())
          .set(w.process().getRssBytes());
      if (w.stats() != null) {
        heap.labelValues(id, pid).set(w.stats().getHeapUsed());
        runningTasks += w.stats().getRunningCount();
      }
    }
    byState.forEach((state, count) -> workerCount.labelValues(id, state).set(count));
    running.labelValues(id).set(runningTasks);
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
  }

  private static void send(HttpExchange ex, int status, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
    workers.close();
  }
}
