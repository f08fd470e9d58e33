package io.glint.cli;

import io.glint.internal.runtime.cluster.ClusterRecords;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.jobs.JobSubmissionClient;
import io.glint.jobs.JobSubmissionClient.JobSubmissionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code glint job}: Ray's {@code ray job}, against a cluster's dashboard. The address is {@code
 * --address http://HOST:8265}, else {@code GLINT_DASHBOARD_ADDRESS}, else the dashboard of the
 * cluster this user started last; the token is {@code GLINT_TOKEN}, else the one recorded for that
 * cluster.
 */
@Command(
    name = "job",
    mixinStandardHelpOptions = true,
    description = "Submits and manages jobs on a cluster (through its dashboard).",
    subcommands = {
      JobCommand.Submit.class,
      JobCommand.Status.class,
      JobCommand.Logs.class,
      JobCommand.Stop.class,
      JobCommand.ListJobs.class,
      JobCommand.Delete.class
    })
final class JobCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new GlintCli.UserError(
        "glint job needs a subcommand: submit, status, logs, stop, list or delete");
  }

  /** Options every job subcommand takes. */
  abstract static class Base implements Callable<Integer> {
    @Option(
        names = "--address",
        description =
            "The dashboard, http://HOST:8265 (default: GLINT_DASHBOARD_ADDRESS, else"
                + " the cluster started last).")
    String address;

    @Option(names = "--temp-dir", description = "Where glint start recorded clusters.")
    Path tempDir;

    JobSubmissionClient client() {
      Path dir =
          tempDir != null
              ? tempDir
              : GlintConfig.fromSystem().resolve(io.glint.api.InitOptions.defaults()).tempDir();
      ClusterRecords records = new ClusterRecords(dir);
      String addr = address != null ? address : System.getenv("GLINT_DASHBOARD_ADDRESS");
      ClusterRecords.Cluster cluster = null;
      for (ClusterRecords.Cluster c : records.all()) {
        String url = StartCommand.dashboardUrl(c).orElse(null);
        if (url != null
            && (addr == null
                ? c.equals(records.latest().orElse(null))
                : url.equals(addr.replaceAll("/+$", "")))) {
          cluster = c;
        }
      }
      if (addr == null) {
        if (cluster == null) {
          throw new GlintCli.UserError(
              "no cluster with a dashboard runs here (under "
                  + dir
                  + "); give --address http://HOST:8265");
        }
        addr = StartCommand.dashboardUrl(cluster).orElseThrow();
      }
      String token = System.getenv("GLINT_TOKEN");
      if ((token == null || token.isBlank()) && cluster != null) {
        try {
          token = Files.readString(cluster.tokenFile()).strip();
        } catch (java.io.IOException e) {
          token = null;
        }
      }
      if (token == null || token.isBlank()) {
        throw new GlintCli.UserError("the dashboard at " + addr + " needs GLINT_TOKEN");
      }
      try {
        return new JobSubmissionClient(addr, token);
      } catch (IllegalArgumentException e) {
        throw new GlintCli.UserError(e.getMessage());
      }
    }

    @Override
    public Integer call() {
      try {
        return run(client());
      } catch (JobSubmissionException e) {
        throw new GlintCli.UserError(e.getMessage());
      } catch (java.io.UncheckedIOException e) {
        throw new GlintCli.UserError(e.getMessage());
      }
    }

    abstract int run(JobSubmissionClient jobs);
  }

  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description =
          "Runs a command as a job on the head: glint job submit [options] -- CMD ARGS...")
  static final class Submit extends Base {
    @Option(names = "--submission-id", description = "The job's id (default: generated).")
    String submissionId;

    @Option(
        names = "--working-dir",
        description =
            "A local directory the command runs in: zipped and uploaded to the head once"
                + " (Ray's --working-dir); the job runs in a fresh copy of it.")
    String workingDir;

    @Option(names = "--env", description = "KEY=VALUE for the job's environment (repeatable).")
    List<String> env = List.of();

    @Option(names = "--no-wait", description = "Return once submitted, without following the logs.")
    boolean noWait;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The entrypoint, after --.")
    List<String> command;

    @Override
    int run(JobSubmissionClient jobs) {
      Map<String, String> vars = new LinkedHashMap<>();
      for (String kv : env) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new GlintCli.UserError("--env wants KEY=VALUE, got '" + kv + "'");
        }
        vars.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
      String id =
          jobs.submitJob(
              JobSubmissionClient.Submission.of(String.join(" ", command))
                  .withSubmissionId(submissionId)
                  .withWorkingDir(workingDir)
                  .withEnvVars(vars));
      System.out.println("Job '" + id + "' submitted.");
      if (noWait) {
        System.out.println(
            "  Logs: glint job logs " + id + " --follow    Stop: glint job stop " + id);
        return 0;
      }
      jobs.tailJobLogs(id, s -> System.out.print(s));
      JobSubmissionClient.JobInfo info = jobs.getJobInfo(id);
      System.out.println("Job '" + id + "' " + info.status() + ": " + info.message());
      return info.status() == JobSubmissionClient.JobStatus.SUCCEEDED ? 0 : 1;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "A job's state.")
  static final class Status extends Base {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run(JobSubmissionClient jobs) {
      JobSubmissionClient.JobInfo info = jobs.getJobInfo(id);
      System.out.println("Job '" + id + "': " + info.status() + " (" + info.message() + ")");
      return 0;
    }
  }

  @Command(name = "logs", mixinStandardHelpOptions = true, description = "A job's output.")
  static final class Logs extends Base {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(
        names = {"-f", "--follow"},
        description = "Follow until the job ends.")
    boolean follow;

    @Override
    int run(JobSubmissionClient jobs) {
      if (follow) {
        jobs.tailJobLogs(id, s -> System.out.print(s));
      } else {
        System.out.print(jobs.getJobLogs(id));
      }
      return 0;
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stops a running job.")
  static final class Stop extends Base {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run(JobSubmissionClient jobs) {
      boolean stopped = jobs.stopJob(id);
      System.out.println(
          stopped ? "Job '" + id + "' stopped." : "Job '" + id + "' had already ended.");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every job.")
  static final class ListJobs extends Base {
    @Override
    int run(JobSubmissionClient jobs) {
      for (JobSubmissionClient.JobInfo j : jobs.listJobs()) {
        System.out.println(j.submissionId() + "  " + j.status() + "  " + j.entrypoint());
      }
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Deletes a finished job.")
  static final class Delete extends Base {
    @Parameters(paramLabel = "ID")
    String id;

    @Override
    int run(JobSubmissionClient jobs) {
      if (!jobs.deleteJob(id)) {
        throw new GlintCli.UserError(
            "job '" + id + "' still runs: glint job stop " + id + " first");
      }
      System.out.println("Job '" + id + "' deleted.");
      return 0;
    }
  }
}
