package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.glint.api.Glint;
import io.glint.api.InitOptions;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Glint.init()} starts a dashboard with its embedded cluster, as {@code ray.init()} does: it
 * answers behind the token through the link it wrote, drivers find it with {@code
 * Glint.dashboardUrl()}, it ends with the cluster, and it is absent when turned off.
 */
class EmbeddedDashboardIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  public static int triple(int x) {
    return 3 * x;
  }

  @AfterEach
  void shutdown() {
    Glint.shutdown();
  }

  private HttpResponse<String> get(String url, String cookie) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void initStartsTheDashboardAndShutdownEndsIt(@TempDir Path temp) throws Exception {
    // The test JVMs set glint.dashboard.enabled=false; asking in code wins over it.
    Glint.init(InitOptions.builder().numCpus(2).tempDir(temp).includeDashboard(true).build());
    String url = Glint.dashboardUrl().orElseThrow();
    assertThat(url).startsWith("http://127.0.0.1:");
    int port = URI.create(url).getPort();
    assertThat(port).isBetween(8265, 8285); // 8265, or the next free port

    Path linkFile;
    try (Stream<Path> files = Files.walk(temp)) {
      linkFile =
          files
              .filter(p -> p.getFileName().toString().equals("dashboard_url"))
              .findFirst()
              .orElseThrow();
    }
    String link = Files.readString(linkFile).strip();
    assertThat(link).startsWith(url + "/?token=");

    assertThat(get(url + "/api/nodes", null).statusCode()).isEqualTo(401);
    HttpResponse<String> login = get(link, null);
    assertThat(login.statusCode()).isEqualTo(302);
    String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];

    JsonNode nodes = JSON.readTree(get(url + "/api/nodes", cookie).body());
    assertThat(nodes).hasSize(1);
    assertThat(nodes.get(0).get("alive").asBoolean()).isTrue();

    assertThat(Glint.get(Glint.task(EmbeddedDashboardIT::triple, 14).remote())).isEqualTo(42);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (JSON.readTree(get(url + "/api/tasks", cookie).body()).get("finished_total").asLong()
        < 1) {
      assertThat(System.nanoTime()).as("the task reported within 20 s").isLessThan(deadline);
      Thread.sleep(200);
    }
    assertThat(get(url + "/metrics", cookie).body()).contains("glint_tasks{State=\"FINISHED\"}");

    Glint.shutdown();
    assertThatThrownBy(() -> get(url + "/api/nodes", cookie)).isInstanceOf(ConnectException.class);
  }

  @Test
  void turnedOffThereIsNone(@TempDir Path temp) {
    Glint.init(InitOptions.builder().numCpus(1).tempDir(temp).includeDashboard(false).build());
    assertThat(Glint.dashboardUrl()).isEmpty();
    Glint.shutdown();
    // The test JVMs' glint.dashboard.enabled=false (the fixture's default) turns it off too.
    Glint.init(InitOptions.builder().numCpus(1).tempDir(temp).build());
    assertThat(Glint.dashboardUrl()).isEmpty();
  }
}
