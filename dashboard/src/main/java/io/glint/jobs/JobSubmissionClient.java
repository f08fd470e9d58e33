package io.glint.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Submits and manages jobs on a Glint cluster through its dashboard (Ray's {@code
 * JobSubmissionClient}): the entrypoint runs on the head as a driver of the cluster.
 *
 * <pre>{@code
 * JobSubmissionClient jobs = new JobSubmissionClient("http://127.0.0.1:8265", token);
 * String id = jobs.submitJob(JobSubmissionClient.Submission.of("java -jar app.jar"));
 * jobs.tailJobLogs(id, System.out::print);
 * System.out.println(jobs.getJobStatus(id)); // SUCCEEDED
 * }</pre>
 */
public final class JobSubmissionClient {
  /** A job's state (Ray's names). */
  public enum JobStatus {
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    STOPPED;

    public boolean isTerminal() {
      return this == SUCCEEDED || this == FAILED || this == STOPPED;
    }
  }

  /**
   * What to run: the shell command, and optionally a submission id, a working directory on the
   * head, environment variables and metadata.
   */
  public record Submission(
      String entrypoint,
      String submissionId,
      String workingDir,
      Map<String, String> envVars,
      Map<String, String> metadata) {
    public static Submission of(String entrypoint) {
      return new Submission(entrypoint, null, null, Map.of(), Map.of());
    }

    public Submission withSubmissionId(String id) {
      return new Submission(entrypoint, id, workingDir, envVars, metadata);
    }

    public Submission withWorkingDir(String dir) {
      return new Submission(entrypoint, submissionId, dir, envVars, metadata);
    }

    public Submission withEnvVars(Map<String, String> env) {
      return new Submission(entrypoint, submissionId, workingDir, Map.copyOf(env), metadata);
    }

    public Submission withMetadata(Map<String, String> meta) {
      return new Submission(entrypoint, submissionId, workingDir, envVars, Map.copyOf(meta));
    }
  }

  /** A job as the cluster reports it. */
  public record JobInfo(
      String submissionId,
      String entrypoint,
      JobStatus status,
      String message,
      long startTimeMillis,
      Long endTimeMillis,
      Map<String, String> metadata,
      Long driverPid) {}

  /** A refused or failed request, with the dashboard's own message. */
  public static final class JobSubmissionException extends RuntimeException {
    private final int status;

    JobSubmissionException(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The HTTP status (401: bad token, 404: no such job, 400: bad request). */
    public int status() {
      return status;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /**
   * @param address the dashboard, {@code http://HOST:8265}
   * @param token the cluster token (null: {@code GLINT_TOKEN} from the environment)
   */
  public JobSubmissionClient(String address, String token) {
    String a = address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
    if (!a.startsWith("http://") && !a.startsWith("https://")) {
      throw new IllegalArgumentException(
          "the dashboard address must start with http:// (e.g. http://127.0.0.1:8265), got "
              + address);
    }
    this.base = a;
    this.token = token != null ? token : System.getenv("GLINT_TOKEN");
    if (this.token == null || this.token.isBlank()) {
      throw new IllegalArgumentException(
          "the cluster token is needed: pass it, or set GLINT_TOKEN");
    }
  }

  /** Starts a job; returns its submission id. */
  public String submitJob(Submission s) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("entrypoint", s.entrypoint());
    if (s.submissionId() != null) {
      body.put("submission_id", s.submissionId());
    }
    Map<String, Object> env = new LinkedHashMap<>();
    if (s.workingDir() != null) {
      java.nio.file.Path local = java.nio.file.Path.of(s.workingDir());
      env.put(
          "working_dir",
          !s.workingDir().startsWith("glint://") && java.nio.file.Files.isDirectory(local)
              ? uploadWorkingDir(local)
              : s.workingDir());
    }
    env.put("env_vars", s.envVars());
    body.put("runtime_env", env);
    body.put("metadata", s.metadata());
    return call("POST", "/api/jobs/", body).get("submission_id").asText();
  }

  /**
   * Uploads a local directory for jobs to run in (done by {@link #submitJob} for a {@code
   * workingDir} that is a directory here, as Ray's client does); returns its {@code
   * glint://<sha256>.zip} name. A directory already uploaded is not sent again.
   */
  public String uploadWorkingDir(java.nio.file.Path dir) {
    byte[] zip = io.glint.internal.runtime.cluster.CodePackages.zip(dir);
    String name = io.glint.internal.runtime.cluster.CodePackages.hashOf(zip) + ".zip";
    String path = "/api/packages/glint/" + name;
    try {
      HttpResponse<String> head =
          http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (head.statusCode() == 404) {
        HttpResponse<String> put =
            http.send(
                request(path).PUT(HttpRequest.BodyPublishers.ofByteArray(zip)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 200) {
          throw failure(put.statusCode(), put.body());
        }
      } else if (head.statusCode() != 200) {
        throw failure(head.statusCode(), head.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot upload " + dir + " to " + base + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    return "glint://" + name;
  }

  public JobInfo getJobInfo(String submissionId) {
    return info(call("GET", "/api/jobs/" + submissionId, null));
  }

  public JobStatus getJobStatus(String submissionId) {
    return getJobInfo(submissionId).status();
  }

  public List<JobInfo> listJobs() {
    List<JobInfo> out = new ArrayList<>();
    for (JsonNode j : call("GET", "/api/jobs/", null)) {
      out.add(info(j));
    }
    return out;
  }

  /** Stops a running job (its whole process tree); false when it had already ended. */
  public boolean stopJob(String submissionId) {
    return call("POST", "/api/jobs/" + submissionId + "/stop", Map.of()).get("stopped").asBoolean();
  }

  /** Deletes a finished job and its logs; false while it still runs. */
  public boolean deleteJob(String submissionId) {
    return call("DELETE", "/api/jobs/" + submissionId, null).get("deleted").asBoolean();
  }

  /** Everything the job printed so far. */
  public String getJobLogs(String submissionId) {
    return call("GET", "/api/jobs/" + submissionId + "/logs", null).get("logs").asText();
  }

  /** Streams the job's output to {@code sink}, line by line, until the job ends. */
  public void tailJobLogs(String submissionId, Consumer<String> sink) {
    HttpRequest req = request("/api/jobs/" + submissionId + "/logs/tail").GET().build();
    try {
      HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        try (InputStream in = r.body()) {
          throw failure(r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          sink.accept(line + "\n");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the logs of job " + submissionId + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .header("Authorization", "Bearer " + token)
        .timeout(Duration.ofMinutes(10));
  }

  private JsonNode call(String method, String path, Object body) {
    try {
      HttpRequest.BodyPublisher pub =
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
      HttpRequest.Builder b = request(path).method(method, pub);
      if (body != null) {
        b.header("Content-Type", "application/json");
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw failure(r.statusCode(), r.body());
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reach the dashboard at " + base + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static JobSubmissionException failure(int status, String body) {
    String msg = body;
    try {
      JsonNode n = JSON.readTree(body);
      if (n.has("error")) {
        msg = n.get("error").asText();
      }
    } catch (IOException | RuntimeException notJson) {
      // keep the body as it is (the 401 page)
    }
    if (status == 401) {
      msg = "the dashboard refused the token (HTTP 401): check GLINT_TOKEN";
    }
    return new JobSubmissionException(status, msg);
  }

  private static JobInfo info(JsonNode j) {
    Map<String, String> meta = new LinkedHashMap<>();
    j.path("metadata").properties().forEach(e -> meta.put(e.getKey(), e.getValue().asText()));
    return new JobInfo(
        j.get("submission_id").asText(),
        j.get("entrypoint").asText(),
        JobStatus.valueOf(j.get("status").asText()),
        j.path("message").asText(""),
        j.path("start_time").asLong(),
        j.path("end_time").isNull() ? null : j.path("end_time").asLong(),
        meta,
        j.path("driver_pid").isNull() ? null : j.path("driver_pid").asLong());
  }
}
