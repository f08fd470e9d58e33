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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's web UI in a real browser (Debian's Chromium, headless, driven by Selenium through
 * chromedriver) while a workload runs on two node daemon processes: the page is refused without the
 * token and let in through the printed link; the workload's actor, a lane per worker with task bars
 * in the timeline, a stored object, and a task's own output all appear in the DOM. Screenshots go
 * to {@code target/screenshots/}.
 */
class DashboardBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Squares slowly and says so on stdout (the task's own output, shown by the UI). */
  public static int slowSquare(int x) throws InterruptedException {
    System.out.println("browser-it squaring " + x);
    Thread.sleep(40);
    return x * x;
  }

  /** An actor the page must list. */
  public static final class BrowserCounter {
    private int n;

    public int add(int k) {
      n += k;
      return n;
    }
  }

  static void assumeBrowser() {
    if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
      return;
    }
    String why = "chromium and chromium-driver are not installed (apt-get install them)";
    if (Boolean.getBoolean("glint.requireBrowser")) {
      throw new AssertionError("glint.requireBrowser is set, but " + why);
    }
    Assumptions.abort("browser test skipped: " + why);
  }

  @Test
  void thePageShowsTheWorkloadToWhoeverHasTheToken() throws Exception {
    assumeBrowser();
    Files.createDirectories(SHOTS);
    try (TestCluster cluster =
        TestCluster.builder().nodes(2).nodeProcesses(true).cpusPerNode(2).start()) {
      String[] hp = cluster.address().split(":");
      Address control =
          Address.newBuilder().setHost(hp[0]).setPort(Integer.parseInt(hp[1])).build();
      try (DashboardLauncher.Dashboard dash =
          DashboardLauncher.find().orElseThrow().start("127.0.0.1", 0, cluster.token(), control)) {
        // The workload: an actor, tasks spread over both nodes' workers, a stored object.
        ActorHandle<BrowserCounter> counter = Glint.actor(BrowserCounter::new).remote();
        for (int i = 1; i <= 5; i++) {
          Glint.get(counter.task(BrowserCounter::add, i).remote());
        }
        List<ObjectRef<Integer>> squares = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
          squares.add(
              Glint.task(DashboardBrowserIT::slowSquare, i)
                  .setSchedulingStrategy(io.glint.api.SchedulingStrategy.spread())
                  .remote());
        }
        assertThat(Glint.get(squares)).contains(0, 1, 4, 529);
        ObjectRef<byte[]> stored = Glint.put(new byte[3 << 20]);
        awaitTasksReported(dash.url(), cluster.token(), 29);

        WebDriver browser = chromium();
        try {
          // Without the token: the page that says how to get in.
          browser.get(dash.url() + "/");
          assertThat(browser.getPageSource()).contains("needs the cluster's token");
          shot(browser, "0-denied");

          // The printed link logs the browser in and lands on the overview.
          browser.get(dash.url() + "/?token=" + cluster.token());
          assertThat(browser.getCurrentUrl()).doesNotContain("token=");
          waitFor(browser, d -> text(d, "summary").contains("Nodes alive"));
          waitFor(browser, d -> !d.findElements(By.cssSelector("#chart-cpu canvas")).isEmpty());
          shot(browser, "1-overview");

          browser.get(dash.url() + "/#actors");
          waitFor(browser, d -> text(d, "actors-table").contains("BrowserCounter"));
          // The page redraws every 2 s: each check reads the DOM in one script, never a stale node.
          assertThat(
                  (String)
                      js(
                          browser,
                          "return [...document.querySelectorAll('#actors-table tr')]"
                              + ".map(r => r.innerText).find(t => t.includes('BrowserCounter'))"))
              .contains("ALIVE");
          shot(browser, "2-actors");

          // A lane per worker that ran a task, each with its bars.
          Set<String> workersThatRan = workersThatRan(dash.url(), cluster.token());
          browser.get(dash.url() + "/#timeline");
          waitFor(
              browser,
              d ->
                  d.findElements(By.cssSelector("svg#timeline g.lane")).size()
                      >= workersThatRan.size());
          @SuppressWarnings("unchecked")
          List<Long> barsPerLane =
              (List<Long>)
                  js(
                      browser,
                      "return [...document.querySelectorAll('svg#timeline g.lane')]"
                          + ".map(g => g.querySelectorAll('rect.task-bar').length)");
          assertThat(barsPerLane).hasSize(workersThatRan.size()).allMatch(n -> n > 0);
          assertThat(workersThatRan.size()).isGreaterThanOrEqualTo(2);
          assertThat(
                  (Long)
                      js(
                          browser,
                          "return document.querySelectorAll("
                              + "\"rect.task-bar[data-task*='slowSquare']\").length"))
              .isGreaterThanOrEqualTo(24L);
          shot(browser, "3-timeline");

          browser.get(dash.url() + "/#objects");
          waitFor(browser, d -> !d.findElements(By.cssSelector("tr.object-row")).isEmpty());
          assertThat(text(browser, "stores")).contains("3.0 MiB");
          shot(browser, "4-object-store");

          // A task's own output, read from its worker's log by the offsets it recorded.
          browser.get(dash.url() + "/#tasks");
          waitFor(browser, d -> text(d, "tasks-table").contains("slowSquare"));
          js(
              browser,
              "[...document.querySelectorAll('#tasks-table tr')]"
                  + ".find(r => r.innerText.includes('slowSquare')).querySelector('button').click()");
          waitFor(browser, d -> text(d, "task-log").contains("browser-it squaring"));
          assertThat(text(browser, "task-log").strip().lines()).hasSize(1);
          shot(browser, "5-task-output");

          browser.get(dash.url() + "/#workers");
          waitFor(browser, d -> text(d, "workers-table").contains("ACTOR"));
          shot(browser, "6-workers");
        } finally {
          browser.quit();
        }
        assertThat(stored).isNotNull();
      }
    }
  }

  private static WebDriver chromium() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    return new ChromeDriver(service, options);
  }

  private static String text(WebDriver d, String id) {
    return (String) js(d, "return document.getElementById('" + id + "').innerText");
  }

  private static Object js(WebDriver d, String script) {
    return ((org.openqa.selenium.JavascriptExecutor) d).executeScript(script);
  }

  private static void waitFor(WebDriver d, java.util.function.Function<WebDriver, Boolean> ready) {
    new WebDriverWait(d, Duration.ofSeconds(30)).until(ready::apply);
  }

  private static void shot(WebDriver d, String name) throws Exception {
    byte[] png = ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES);
    Files.write(SHOTS.resolve("dashboard-" + name + ".png"), png);
  }

  private static JsonNode api(String base, String token, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** Workers report their runs about once a second: waits until {@code n} have arrived. */
  private static void awaitTasksReported(String base, String token, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (api(base, token, "/api/tasks").get("finished_total").asLong() < n) {
      assertThat(System.nanoTime()).as("task events within 30 s").isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private static Set<String> workersThatRan(String base, String token) throws Exception {
    Set<String> lanes = new HashSet<>();
    for (JsonNode t : api(base, token, "/api/tasks?limit=2000").get("tasks")) {
      lanes.add(t.get("node").asText() + " pid " + t.get("worker_pid").asText());
    }
    return lanes;
  }
}
