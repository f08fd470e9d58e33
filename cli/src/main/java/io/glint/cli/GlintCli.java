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
 * runs it. Today: {@code microbenchmark}, {@code version}.
 */
@Command(
    name = "glint",
    mixinStandardHelpOptions = true,
    version = "glint 0.1.0",
    description = "Glint: Ray's programming model for the JVM.",
    subcommands = {GlintCli.MicrobenchmarkCommand.class, CommandLine.HelpCommand.class})
public final class GlintCli implements Callable<Integer> {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (used by tests). */
  public static int run(String... args) {
    return new CommandLine(new GlintCli()).execute(args);
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
      Predicate<String> selected = Microbenchmark.fromEnvironment();
      if (filter != null) {
        selected = selected.and(n -> n.contains(filter));
      }
      InitOptions.Builder init = InitOptions.builder().logToDriver(false);
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
