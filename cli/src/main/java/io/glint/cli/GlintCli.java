package io.glint.cli;

import io.glint.api.InitOptions;
import io.glint.benchmarks.Microbenchmark;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code glint} command line. Verbs and flags follow Ray's CLI; the root script {@code ./glint}
 * runs it: {@code start}, {@code stop}, {@code status}, {@code microbenchmark}.
 */
@Command(
    name = "glint",
    mixinStandardHelpOptions = true,
    version = "glint 0.1.0",
    description = "Glint: Ray's programming model for the JVM.",
    subcommands = {
      StartCommand.class,
      StopCommand.class,
      StatusCommand.class,
      JobCommand.class,
      TimelineCommand.class,
      LauncherCommands.Up.class,
      LauncherCommands.Down.class,
      LauncherCommands.Exec.class,
      LauncherCommands.Submit.class,
      LauncherCommands.Attach.class,
      LauncherCommands.GetHeadIp.class,
      LauncherCommands.RsyncUp.class,
      LauncherCommands.RsyncDown.class,
      GlintCli.MicrobenchmarkCommand.class,
      CommandLine.HelpCommand.class
    })
public final class GlintCli implements Callable<Integer> {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Exit code for a user mistake (a bad flag or setting): one line on stderr, no stack trace. */
  static final int USAGE_ERROR = 2;

  /** Runs the CLI and returns its exit code (used by tests). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new GlintCli());
    cli.setParameterExceptionHandler(
        (e, a) -> {
          CommandLine cmd = e.getCommandLine();
          cmd.getErr()
              .println(
                  cmd.getCommandName()
                      + ": "
                      + e.getMessage()
                      + " (see '"
                      + qualifiedName(cmd)
                      + " --help')");
          return USAGE_ERROR;
        });
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof UserError
              || e instanceof io.glint.api.exception.ConfigurationException) {
            cmd.getErr().println(qualifiedName(cmd) + ": " + e.getMessage());
            return USAGE_ERROR;
          }
          throw e;
        });
    return cli.execute(args);
  }

  private static String qualifiedName(CommandLine cmd) {
    String name = cmd.getCommandName();
    for (CommandLine p = cmd.getParent(); p != null; p = p.getParent()) {
      name = p.getCommandName() + " " + name;
    }
    return name;
  }

  /** A mistake in what the user asked for: reported as one line, exit code 2. */
  static final class UserError extends RuntimeException {
    UserError(String message) {
      super(message);
    }
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  @Command(
      name = "microbenchmark",
      mixinStandardHelpOptions = true,
      description =
          "Runs Ray's microbenchmark workloads on an embedded cluster sized to this machine and"
              + " prints Ray's metric names: '<metric> per second <mean> +- <stdev>'.")
  static final class MicrobenchmarkCommand implements Callable<Integer> {
    @Option(names = "--tiny", description = "Every workload once at a tiny size (CI smoke run).")
    boolean tiny;

    @Option(
        names = "--filter",
        description =
            "Only metrics whose name contains this (Ray's TESTS_TO_RUN; also read from it).")
    String filter;

    @Option(names = "--num-cpus", description = "CPUs of the embedded cluster (default: all).")
    Double numCpus;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Override
    public Integer call() throws IOException {
      checkNumCpus();
      checkWritable(json);
      Predicate<String> selected = Microbenchmark.fromEnvironment();
      if (filter != null) {
        selected = selected.and(n -> n.contains(filter));
        checkMatches(filter);
      }
      // Ray's microbenchmark gives its cluster 100 of a custom resource for the placement groups.
      InitOptions.Builder init = InitOptions.builder().logToDriver(false).resource("custom", 100);
      if (numCpus != null) {
        init.numCpus(numCpus);
      }
      PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      List<Microbenchmark.Result> results =
          new Microbenchmark(
                  tiny ? Microbenchmark.Scale.TINY : Microbenchmark.Scale.FULL, selected, out)
              .run(init.build());
      if (json != null) {
        Files.writeString(json, toJson(results));
      }
      return 0;
    }

    private void checkNumCpus() {
      if (numCpus == null) {
        return;
      }
      if (numCpus.isNaN() || numCpus < 0) {
        throw new UserError("--num-cpus must be a number of CPUs, 1 or more; got " + numCpus);
      }
      if (numCpus == 0) {
        throw new UserError(
            "--num-cpus=0: the microbenchmark runs its tasks on its own embedded cluster, which"
                + " needs at least 1 CPU");
      }
    }

    /** Fails now, not after minutes of measuring, when the results could not be written. */
    static void checkWritable(Path json) {
      if (json == null) {
        return;
      }
      if (Files.isDirectory(json)) {
        throw new UserError("--json " + json + " is a directory; give a file name");
      }
      boolean existed = Files.exists(json);
      try (var out =
          Files.newOutputStream(
              json,
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.APPEND)) {
        out.flush();
      } catch (IOException | SecurityException e) {
        throw new UserError(
            "--json "
                + json
                + " cannot be written ("
                + (e instanceof java.nio.file.NoSuchFileException
                    ? "its directory does not exist"
                    : e instanceof java.nio.file.AccessDeniedException
                        ? "permission denied"
                        : e.toString())
                + ")");
      }
      if (!existed) {
        try {
          Files.deleteIfExists(json);
        } catch (IOException ignored) {
          // written over at the end anyway
        }
      }
    }

    static void checkMatches(String filter) {
      boolean any =
          Microbenchmark.METRICS.stream().anyMatch(n -> n.contains(filter))
              || Microbenchmark.NOT_MEASURED.stream().anyMatch(n -> n.contains(filter));
      if (!any) {
        throw new UserError(
            "--filter '"
                + filter
                + "' matches no metric; the metrics are: "
                + String.join(", ", Microbenchmark.METRICS));
      }
    }

    static String toJson(List<Microbenchmark.Result> results) {
      return results.stream()
          .map(
              r ->
                  String.format(
                      Locale.ROOT,
                      "  {\"name\": \"%s\", \"mean\": %.4f, \"stdev\": %.4f}",
                      r.name().replace("\"", "\\\""),
                      r.mean(),
                      r.stdev()))
          .collect(Collectors.joining(",\n", "[\n", "\n]\n"));
    }
  }
}
