package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.internal.proto.Address;
import io.glint.internal.runtime.control.DashboardLauncher;
import io.glint.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's HTTP surface against a real cluster: every path refuses callers without the
 * token, the printed URL's token logs a browser in with an HttpOnly cookie, and the REST API and
 * Prometheus metrics show what the workload made (an actor, a stored object, the node).
 */
class DashboardIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private HttpResponse<String> get(String url, String header, String value) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (header != null) {
      b.header(header, value);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Squares, counting by parity and observing the input, in whichever worker runs it. */
  public static int countedSquare(int x) {
    new io.glint.api.metrics.Counter("dashboard_it_squares", "Squares", java.util.List.of("parity"))
        .inc(1, java.util.Map.of("parity", x % 2 == 0 ? "even" : "odd"));
    new io.glint.api.metrics.Histogram(
            "dashboard_it_input", "Inputs", java.util.List.of(4.0, 8.0), java.util.List.of())
        .observe(x);
    return x * x;
  }

  @Test
  void theApiAndMetricsShowTheWorkloadBehindTheToken() throws Exception {
    try (TestCluster cluster = TestCluster.builder().nodes(1).cpusPerNode(2).start()) {
      String[] hp = cluster.address().split(":");
      Address control =
          Address.newBuilder().setHost(hp[0]).setPort(Integer.parseInt(hp[1])).build();
      try (DashboardLauncher.Dashboard dash =
          DashboardLauncher.find().orElseThrow().start("127.0.0.1", 0, cluster.token(), control)) {
        String base = dash.url();
        String bearer = "Bearer " + cluster.token();

        // Closed by default: no token, a wrong one, or a wrong cookie.
        HttpResponse<String> denied = get(base + "/api/nodes", null, null);
        assertThat(denied.statusCode()).isEqualTo(401);
        assertThat(denied.body()).contains("needs the cluster's token");
        assertThat(get(base + "/metrics", "Authorization", "Bearer nope").statusCode())
            .isEqualTo(401);
        assertThat(get(base + "/?token=nope", null, null).statusCode()).isEqualTo(401);
        assertThat(get(base + "/", "Cookie", "glint_dashboard_token=nope").statusCode())
            .isEqualTo(401);

        // The printed URL logs a browser in: an HttpOnly, SameSite cookie, then the clean URL.
        HttpResponse<String> login = get(base + "/?token=" + cluster.token(), null, null);
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location")).contains("/");
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict");
        HttpResponse<String> page = get(base + "/", "Cookie", cookie.split(";")[0]);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Glint dashboard").contains("/static/app.js");

        // A workload: a named actor, and an object in the node's store.
        ActorHandle<Actors.Counter> counter =
            Glint.actor(Actors.Counter::new).setName("dash-counter").remote();
        assertThat(Glint.get(counter.task(Actors.Counter::increment).remote())).isEqualTo(1);
        ObjectRef<byte[]> big = Glint.put(new byte[3 << 20]);

        JsonNode nodes = JSON.readTree(get(base + "/api/nodes", "Authorization", bearer).body());
        assertThat(nodes).hasSize(1);
        assertThat(nodes.get(0).get("alive").asBoolean()).isTrue();
        assertThat(nodes.get(0).get("total").get("CPU").asDouble()).isEqualTo(2.0);
        String nodeId = nodes.get(0).get("node_id").asText();

        JsonNode actors = JSON.readTree(get(base + "/api/actors", "Authorization", bearer).body());
        JsonNode mine = null;
        for (JsonNode a : actors) {
          if ("dash-counter".equals(a.get("name").asText())) {
            mine = a;
          }
        }
        assertThat(mine).as(actors.toString()).isNotNull();
        assertThat(mine.get("state").asText()).isEqualTo("ALIVE");
        assertThat(mine.get("class_name").asText()).contains("Counter");
        assertThat(mine.get("node_id").asText()).isEqualTo(nodeId);
        assertThat(mine.get("pid").asLong())
            .isEqualTo(Glint.get(counter.task(Actors.Counter::pid).remote()));

        JsonNode stores =
            JSON.readTree(get(base + "/api/object_store", "Authorization", bearer).body());
        assertThat(stores.get(0).get("largest_objects").get(0).get("size_bytes").asLong())
            .isGreaterThanOrEqualTo(3 << 20);

        JsonNode status =
            JSON.readTree(get(base + "/api/cluster_status", "Authorization", bearer).body());
        assertThat(status.get("nodes_alive").asInt()).isEqualTo(1);
        assertThat(status.get("actors").get("ALIVE").asInt()).isEqualTo(1);

        HttpResponse<String> metrics = get(base + "/metrics", "Authorization", bearer);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
            .contains("glint_cluster_active_nodes 1.0")
            .contains("glint_actors{State=\"ALIVE\"} 1.0")
            .contains(
                "glint_resources{Name=\"CPU\",NodeId=\"" + nodeId + "\",State=\"AVAILABLE\"}");
        double used = 0;
        for (String line : metrics.body().split("\n")) {
          if (line.startsWith("glint_object_store_used_memory_bytes{NodeId=\"" + nodeId)) {
            used = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
        assertThat(used).isGreaterThanOrEqualTo(3 << 20);
        assertThat(Glint.get(big)).hasSize(3 << 20);

        // Recent tasks and the timeline: a bar per task, a lane per worker.
        java.util.List<ObjectRef<Integer>> squares = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
          squares.add(Glint.task(Fns::square, i).remote());
        }
        Glint.get(squares);
        ObjectRef<Integer> failing = Glint.task(Fns::fail, "on purpose").setMaxRetries(0).remote();
        try {
          Glint.get(failing);
        } catch (io.glint.api.exception.TaskFailure expected) {
          // recorded as a failed task
        }
        JsonNode tasks = null;
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
          tasks = JSON.readTree(get(base + "/api/tasks", "Authorization", bearer).body());
          if (tasks.get("finished_total").asLong() >= 21
              && tasks.get("failed_total").asLong() >= 1) {
            break;
          }
          Thread.sleep(200);
        }
        assertThat(tasks.get("finished_total").asLong())
            .as(tasks.toString())
            .isGreaterThanOrEqualTo(21);
        assertThat(tasks.get("failed_total").asLong()).isEqualTo(1);
        int squareRuns = 0;
        boolean failedSeen = false;
        for (JsonNode t : tasks.get("tasks")) {
          if (t.get("name").asText().contains("square")) {
            squareRuns++;
            assertThat(t.get("state").asText()).isEqualTo("FINISHED");
            assertThat(t.get("end_time_us").asLong())
                .isGreaterThanOrEqualTo(t.get("start_time_us").asLong());
            // Submitted by this driver before a worker started it (same machine, same clock).
            assertThat(t.get("submit_time_us").asLong())
                .isPositive()
                .isLessThanOrEqualTo(t.get("start_time_us").asLong());
            assertThat(t.get("worker_pid").asLong()).isPositive();
          }
          if (t.get("state").asText().equals("FAILED")) {
            failedSeen = true;
            assertThat(t.get("error_type").asText()).isNotEmpty();
          }
        }
        assertThat(squareRuns).isEqualTo(20);
        assertThat(failedSeen).isTrue();
        JsonNode trace = JSON.readTree(get(base + "/api/timeline", "Authorization", bearer).body());
        java.util.Set<String> lanes = new java.util.HashSet<>();
        int bars = 0;
        for (JsonNode e : trace.get("traceEvents")) {
          assertThat(e.get("ph").asText()).isEqualTo("X");
          assertThat(e.get("pid").asText()).startsWith("node ");
          lanes.add(e.get("tid").asText());
          if (e.get("name").asText().contains("square")) {
            bars++;
          }
        }
        assertThat(bars).isEqualTo(20);
        assertThat(lanes).allMatch(l -> l.startsWith("worker "));
        assertThat(get(base + "/api/tasks?limit=x", "Authorization", bearer).statusCode())
            .isEqualTo(400);

        // User metrics from workers and the driver reach /metrics, summed over processes.
        java.util.List<ObjectRef<Integer>> counted = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
          counted.add(Glint.task(DashboardIT::countedSquare, i).remote());
        }
        Glint.get(counted);
        new io.glint.api.metrics.Gauge("dashboard_it_gauge", "Set by the driver").set(42);
        String scraped = "";
        until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < until) {
          scraped = get(base + "/metrics", "Authorization", bearer).body();
          if (scraped.contains("glint_dashboard_it_squares_total{parity=\"even\"} 5.0")
              && scraped.contains("glint_dashboard_it_squares_total{parity=\"odd\"} 5.0")
              && scraped.contains("glint_dashboard_it_gauge 42.0")
              && scraped.contains("glint_dashboard_it_input_count 10")) {
            break;
          }
          Thread.sleep(250);
        }
        assertThat(scraped)
            .contains("glint_dashboard_it_squares_total{parity=\"even\"} 5.0")
            .contains("glint_dashboard_it_squares_total{parity=\"odd\"} 5.0")
            .contains("glint_dashboard_it_gauge 42.0")
            .contains("glint_dashboard_it_input_bucket{le=\"4.0\"} 5")
            .contains("glint_dashboard_it_input_count 10");

        // Every metric the Grafana dashboard queries is checked in PrometheusScrapeIT, whose
        // Prometheus scrapes the nodes' endpoints too.
        Glint.kill(counter);
      }
    }
  }
}
