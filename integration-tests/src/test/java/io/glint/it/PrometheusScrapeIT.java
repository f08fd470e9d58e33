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
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's {@code prometheus}) finds the head's and both node daemons'
 * endpoints through the service-discovery file the head writes, scrapes them with the cluster
 * token, and its numbers match the cluster after a workload: tasks finished, object-store bytes,
 * actors alive, a user counter; every metric the shipped Grafana dashboard queries exists.
 */
class PrometheusScrapeIT {
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  /** Squares and counts it in a user metric. */
  public static int countedSquare(int x) {
    new io.glint.api.metrics.Counter("prom_it_squares", "Squares computed", List.of()).inc();
    return x * x;
  }

  /** Keeps the actor count honest: one alive while Prometheus looks. */
  public static final class Holder {
    public int ping() {
      return 1;
    }
  }

  @Test
  void prometheusScrapesTheHeadAndEveryNodeWithTheToken(@TempDir Path dir) throws Exception {
    if (!Files.isExecutable(PROMETHEUS)) {
      String why = "prometheus is not installed (apt-get install prometheus)";
      if (Boolean.getBoolean("glint.requireBrowser")) {
        throw new AssertionError("glint.requireBrowser is set, but " + why);
      }
      Assumptions.abort("Prometheus test skipped: " + why);
    }
    try (TestCluster cluster =
        TestCluster.builder().nodes(2).nodeProcesses(true).cpusPerNode(2).start()) {
      String[] hp = cluster.address().split(":");
      Address control =
          Address.newBuilder().setHost(hp[0]).setPort(Integer.parseInt(hp[1])).build();
      Path discovery = dir.resolve("prom_metrics_service_discovery.json");
      try (DashboardLauncher.Dashboard dash =
          DashboardLauncher.find()
              .orElseThrow()
              .start("127.0.0.1", 0, cluster.token(), control, dir.resolve("jobs"), discovery)) {
        // The head lists itself and each node's endpoint.
        awaitTrue(
            () -> Files.exists(discovery) && JSON.readTree(discovery.toFile()).size() == 3,
            "the discovery file lists the head and 2 nodes");

        ActorHandle<Holder> holder = Glint.actor(Holder::new).remote();
        assertThat(Glint.get(holder.task(Holder::ping).remote())).isEqualTo(1);
        List<ObjectRef<Integer>> squares = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          squares.add(Glint.task(PrometheusScrapeIT::countedSquare, i).remote());
        }
        Glint.get(squares);
        ObjectRef<byte[]> stored = Glint.put(new byte[5 << 20]);

        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, cluster.token());
        int port = freePort();
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(
            config,
            """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: glint
                authorization:
                  credentials_file: %s
                file_sd_configs:
                  - files: [%s]
                    refresh_interval: 1s
            """
                .formatted(tokenFile, discovery));
        Process prometheus =
            new ProcessBuilder(
                    PROMETHEUS.toString(),
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        try {
          String prom = "http://127.0.0.1:" + port;
          // Prometheus answers 503 until its storage is open: wait until it says it is ready.
          awaitTrue(
              () ->
                  http.send(
                              HttpRequest.newBuilder(URI.create(prom + "/-/ready"))
                                  .timeout(Duration.ofSeconds(10))
                                  .build(),
                              HttpResponse.BodyHandlers.discarding())
                          .statusCode()
                      == 200,
              "Prometheus is ready");
          // Every target up: the token was accepted by the head and by both nodes.
          awaitTrue(
              () -> {
                JsonNode up = query(prom, "up");
                return up.size() == 3
                    && java.util.stream.StreamSupport.stream(up.spliterator(), false)
                        .allMatch(r -> r.get("value").get(1).asText().equals("1"));
              },
              "Prometheus scrapes 3 targets, all up");

          JsonNode tasks = api(dash.url(), cluster.token(), "/api/tasks?limit=1");
          long finished = tasks.get("finished_total").asLong();
          assertThat(finished).isGreaterThanOrEqualTo(31);
          long storeUsed = 0;
          for (JsonNode s : api(dash.url(), cluster.token(), "/api/object_store")) {
            storeUsed += s.get("used_bytes").asLong();
          }
          assertThat(storeUsed).isGreaterThanOrEqualTo(5 << 20);
          long expectedStore = storeUsed;
          awaitTrue(
              () -> value(prom, "glint_tasks{State=\"FINISHED\"}") == finished,
              "glint_tasks FINISHED = " + finished);
          awaitTrue(
              () -> value(prom, "sum(glint_object_store_used_memory_bytes)") == expectedStore,
              "object store bytes = " + expectedStore);
          awaitTrue(() -> value(prom, "glint_actors{State=\"ALIVE\"}") == 1, "one actor alive");
          awaitTrue(
              () -> value(prom, "sum(glint_prom_it_squares_total)") == 30,
              "the user counter counts 30 squares");
          awaitTrue(
              () -> query(prom, "glint_node_workers{State=\"ACTOR\"}").size() == 2,
              "both nodes' own endpoints scraped");
          assertThat(value(prom, "sum(glint_node_workers{State=\"ACTOR\"})")).isEqualTo(1);

          // Every metric the shipped Grafana dashboard queries exists in Prometheus.
          Set<String> queried = grafanaMetrics();
          assertThat(queried).hasSizeGreaterThan(12);
          JsonNode names = get(prom + "/api/v1/label/__name__/values").get("data");
          Set<String> known = new TreeSet<>();
          names.forEach(n -> known.add(n.asText()));
          assertThat(known).containsAll(queried);
          assertThat(stored).isNotNull();
        } finally {
          prometheus.destroy();
          if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
            prometheus.destroyForcibly();
          }
        }
      }
    }
  }

  private static Set<String> grafanaMetrics() throws IOException {
    String grafana;
    try (var in = DashboardLauncher.class.getResourceAsStream("/grafana/glint-dashboard.json")) {
      assertThat(in).as("grafana/glint-dashboard.json on the class path").isNotNull();
      grafana = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Set<String> out = new TreeSet<>();
    Pattern metric = Pattern.compile("\\b((?:glint|jvm)_[a-z_]+)\\b");
    for (JsonNode panel : JSON.readTree(grafana).get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        Matcher m = metric.matcher(target.get("expr").asText());
        while (m.find()) {
          out.add(m.group(1));
        }
      }
    }
    return out;
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private JsonNode query(String prom, String q) throws Exception {
    return get(prom + "/api/v1/query?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8))
        .get("data")
        .get("result");
  }

  /** The single value of {@code q}, or -1 when it has none (not scraped yet). */
  private double value(String prom, String q) throws Exception {
    JsonNode r = query(prom, q);
    return r.size() == 1 ? r.get(0).get("value").get(1).asDouble() : -1;
  }

  private JsonNode api(String base, String token, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  interface Check {
    boolean ok() throws Exception;
  }

  private static void awaitTrue(Check c, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!okYet(c)) {
      assertThat(System.nanoTime()).as("within 60 s: " + what).isLessThan(deadline);
      Thread.sleep(300);
    }
  }

  /** False while Prometheus is still starting (its port refuses connections). */
  private static boolean okYet(Check c) throws Exception {
    try {
      return c.ok();
    } catch (java.net.ConnectException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
