package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.cli.GlintCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code glint start --head}, {@code glint start --address}, {@code glint status} and {@code glint
 * stop}, as an operator runs them: daemons in the background, drivers joining with GLINT_ADDRESS,
 * nothing left behind.
 */
class ClusterCliIT {
  @TempDir Path tmp;

  private record Run(int code, String out, String err) {}

  private Run cli(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      int code = GlintCli.run(args);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @AfterEach
  void stopAnyway() {
    cli("stop", "--force", "--temp-dir=" + tmp);
  }

  private Process driver(Map<String, String> env) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "io.glint.examples.Quickstart")
            .redirectErrorStream(true);
    pb.environment().remove("GLINT_ADDRESS");
    pb.environment().remove("GLINT_TOKEN");
    pb.environment().putAll(env);
    return pb.start();
  }

  private static String output(Process p) throws Exception {
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(out).isTrue();
    return out;
  }

  @Test
  void startJoinStatusDriveAndStop() throws Exception {
    String temp = "--temp-dir=" + tmp;
    Run head =
        cli(
            "start",
            "--head",
            "--port=0",
            temp,
            "--num-cpus=2",
            "--object-store-memory=256m",
            // Short, so the kill -9 below is seen well within its 20 s, but not 3 s: on a 2-core
            // machine, three nodes that each build a jar bundle and train a worker AOT cache for
            // a freshly built class path at once have starved a node's report for 3 s.
            "--node-timeout-ms=8000");
    assertThat(head.code()).as(head.err()).isZero();
    Matcher m = Pattern.compile("control service at (\\S+)\\.").matcher(head.out());
    assertThat(m.find()).as(head.out()).isTrue();
    String address = m.group(1);
    // The token is printed once, in the dashboard's login link (Jupyter's model), nowhere else.
    assertThat(head.out()).contains("GLINT_TOKEN");
    String token = tokenOf(address);
    Matcher dash =
        Pattern.compile("Dashboard .*: (http://\\S+)/\\?token=(\\S+)").matcher(head.out());
    assertThat(dash.find()).as(head.out()).isTrue();
    assertThat(dash.group(2)).isEqualTo(token);
    assertThat(head.out().replace(dash.group(0), "")).doesNotContain(token);
    var web = java.net.http.HttpClient.newHttpClient();
    var unauthorized =
        web.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(dash.group(1) + "/api/nodes"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(unauthorized.statusCode()).isEqualTo(401);
    assertThat(
            Files.readString(
                tmp.resolve("clusters")
                    .resolve(address.replace(':', '_'))
                    .resolve("prom_metrics_service_discovery.json")))
        .contains(dash.group(1).replace("http://", ""));
    var nodesJson =
        web.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(dash.group(1) + "/api/nodes"))
                .header("Authorization", "Bearer " + token)
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(nodesJson.statusCode()).isEqualTo(200);
    assertThat(nodesJson.body()).contains("\"name\" : \"head\"");
    for (String ip : List.of("127.0.0.2", "127.0.0.3")) {
      Run join =
          cli(
              "start",
              "--address",
              address,
              "--node-ip-address",
              ip,
              temp,
              "--num-cpus=2",
              "--object-store-memory=256m");
      assertThat(join.code()).as(join.err()).isZero();
    }
    Run status = cli("status", temp);
    assertThat(status.code()).as(status.err()).isZero();
    assertThat(status.out()).contains(" 3 nodes").contains("0/6 CPU").contains("Dead:\n 0 nodes");

    // A driver joined through GLINT_ADDRESS runs the seed's examples (its token is found).
    Process ok = driver(Map.of("GLINT_ADDRESS", address, "GLINT_TEMP_DIR", tmp.toString()));
    String out = output(ok);
    assertThat(ok.exitValue()).as(out).isZero();
    assertThat(out).contains("square(4) = 16").contains("counter = 2").contains("all equal: true");

    // Jobs (Ray's `ray job`): a command and a real driver run on the head and stream their logs.
    Run echo = cli("job", "submit", temp, "--", "echo", "hello-from-a-job");
    assertThat(echo.code()).as(echo.err()).isZero();
    assertThat(echo.out()).contains("hello-from-a-job").contains("SUCCEEDED");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Run job =
        cli(
            "job",
            "submit",
            temp,
            "--submission-id=quickstart-job",
            "--",
            java,
            "-cp",
            System.getProperty("java.class.path"),
            "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
            "io.glint.examples.Quickstart");
    assertThat(job.code()).as(job.out() + job.err()).isZero();
    assertThat(job.out()).contains("square(4) = 16").contains("Job 'quickstart-job' SUCCEEDED");
    // A local working directory travels to the head (zipped, uploaded once by its hash); the job
    // runs in a fresh copy of it.
    Path jobDir = Files.createDirectories(tmp.resolve("job-dir"));
    Files.writeString(jobDir.resolve("data.txt"), "payload-42\n");
    Files.writeString(jobDir.resolve("run.sh"), "cat data.txt; echo \"cwd=$(pwd)\"\n");
    Run uploaded =
        cli("job", "submit", temp, "--working-dir", jobDir.toString(), "--", "sh", "run.sh");
    assertThat(uploaded.code()).as(uploaded.out() + uploaded.err()).isZero();
    assertThat(uploaded.out())
        .contains("payload-42")
        .contains("cwd=")
        .doesNotContain("cwd=" + jobDir);
    var jobs = new io.glint.jobs.JobSubmissionClient(dash.group(1), token);
    String fromClient =
        jobs.submitJob(
            io.glint.jobs.JobSubmissionClient.Submission.of("sh run.sh")
                .withWorkingDir(jobDir.toString()));
    jobs.tailJobLogs(fromClient, line -> {});
    assertThat(jobs.getJobStatus(fromClient))
        .isEqualTo(io.glint.jobs.JobSubmissionClient.JobStatus.SUCCEEDED);
    assertThat(jobs.getJobLogs(fromClient)).contains("payload-42");
    // The Java client: a job stopped while it runs ends STOPPED, its process gone.
    String sleeper =
        jobs.submitJob(io.glint.jobs.JobSubmissionClient.Submission.of("echo started; sleep 120"));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!jobs.getJobLogs(sleeper).contains("started") && System.nanoTime() < until) {
      Thread.sleep(100);
    }
    assertThat(jobs.getJobStatus(sleeper))
        .isEqualTo(io.glint.jobs.JobSubmissionClient.JobStatus.RUNNING);
    long sleeperPid = jobs.getJobInfo(sleeper).driverPid();
    assertThat(jobs.stopJob(sleeper)).isTrue();
    assertThat(jobs.getJobStatus(sleeper))
        .isEqualTo(io.glint.jobs.JobSubmissionClient.JobStatus.STOPPED);
    assertThat(ProcessHandle.of(sleeperPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(cli("job", "list", temp).out())
        .contains("quickstart-job  SUCCEEDED")
        .contains(sleeper + "  STOPPED");
    assertThat(cli("job", "logs", temp, "quickstart-job").out()).contains("square(4) = 16");
    assertThat(cli("job", "status", temp, "nope").err()).contains("no job with submission_id");
    assertThat(cli("job", "delete", temp, "quickstart-job").code()).isZero();
    // glint timeline: the tasks the quickstart ran, as a Chrome trace.
    Path trace = tmp.resolve("trace.json");
    long traceUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Run timeline;
    do {
      timeline = cli("timeline", temp, "-o", trace.toString());
      assertThat(timeline.code()).as(timeline.err()).isZero();
    } while (Files.readString(trace).equals("{\"traceEvents\":[],\"displayTimeUnit\":\"ms\"}")
        && System.nanoTime() < traceUntil);
    assertThat(Files.readString(trace)).contains("\"ph\":\"X\"").contains("\"tid\":\"worker ");

    // A driver with a wrong token is refused, and the message names GLINT_TOKEN.
    Process bad = driver(Map.of("GLINT_ADDRESS", address, "GLINT_TOKEN", "not-the-token"));
    String refused = output(bad);
    assertThat(bad.exitValue()).isNotZero();
    assertThat(refused).contains("GLINT_TOKEN").doesNotContain(tokenOf(address));

    // kill -9 of a node daemon: reported dead within the configured time.
    List<Long> pids = daemonPids();
    assertThat(pids).hasSize(4);
    Path node2 = readyFile("node-2");
    long victim = Long.parseLong(Files.readString(node2).strip().split(" ")[3]);
    ProcessHandle.of(victim).orElseThrow().destroyForcibly();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String s;
    do {
      Thread.sleep(250);
      s = cli("status", temp).out();
    } while (!s.contains("Dead:\n 1 node") && System.nanoTime() < deadline);
    assertThat(s).contains(" 2 nodes").contains("Dead:\n 1 node").contains("node-2");

    // kill -9 of the control service, then `glint start --head` on its port brings it back from
    // its stored state; the nodes reconnect and drivers run again.
    Path controlReady = readyFile("head").getParent().getParent().resolve("control.ready");
    long control = Long.parseLong(Files.readString(controlReady).strip().split(" ")[1]);
    ProcessHandle.of(control).orElseThrow().destroyForcibly();
    ProcessHandle.of(control).ifPresent(h -> h.onExit().join());
    Run again = cli("start", "--head", "--port=" + address.split(":")[1], temp);
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("control service restarted at " + address);
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    do {
      Thread.sleep(250);
      s = cli("status", temp).out();
    } while (!s.contains(" 2 nodes") && System.nanoTime() < deadline);
    assertThat(s).contains(" 2 nodes").contains("Dead:\n 1 node");
    Process after = driver(Map.of("GLINT_ADDRESS", address, "GLINT_TEMP_DIR", tmp.toString()));
    String afterOut = output(after);
    assertThat(after.exitValue()).as(afterOut).isZero();
    assertThat(afterOut).contains("square(4) = 16");
    pids = daemonPids();

    // glint stop leaves no process and no store behind.
    List<Path> stores = new ArrayList<>();
    for (String n : List.of("head", "node-1")) {
      stores.add(Path.of(Files.readString(readyFile(n)).strip().split(" ")[2]));
    }
    Run stop = cli("stop", temp);
    assertThat(stop.code()).isZero();
    assertThat(stop.out()).contains("Stopped 3 Glint processes");
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("pid %d", pid)
          .isFalse();
    }
    for (Path store : stores) {
      assertThat(store).doesNotExist();
    }
    assertThat(cli("status", temp).code()).isEqualTo(2);
  }

  private String tokenOf(String address) throws Exception {
    return Files.readString(
            tmp.resolve("clusters").resolve(address.replace(':', '_')).resolve("token"))
        .strip();
  }

  private Path readyFile(String node) throws Exception {
    try (var dirs = Files.list(tmp.resolve("clusters"))) {
      Path d = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
      return d.resolve("nodes").resolve(node + ".ready");
    }
  }

  private List<Long> daemonPids() throws Exception {
    List<Long> pids = new ArrayList<>();
    try (var dirs = Files.list(tmp.resolve("clusters"))) {
      Path d = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
      try (var nodes = Files.list(d.resolve("nodes"))) {
        for (Path r : nodes.filter(p -> p.toString().endsWith(".ready")).toList()) {
          String[] f = Files.readString(r).strip().split(" ");
          pids.add(Long.parseLong(f[f.length - 1]));
        }
      }
      String[] c = Files.readString(d.resolve("control.ready")).strip().split(" ");
      pids.add(Long.parseLong(c[1]));
    }
    return pids;
  }
}
