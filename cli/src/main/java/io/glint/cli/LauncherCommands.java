package io.glint.cli;

import io.glint.cluster.config.ClusterConfig;
import io.glint.cluster.config.ClusterConfigLoader;
import io.glint.cluster.config.ConfigException;
import io.glint.cluster.launcher.ClusterLauncher;
import io.glint.cluster.launcher.NodeUpdateException;
import io.glint.cluster.provider.NodeProvider;
import io.glint.cluster.provider.NodeProviders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Ray's cluster launcher verbs on a cluster YAML: {@code up}, {@code down}, {@code exec}, {@code
 * submit}, {@code attach}, {@code get-head-ip}, {@code rsync-up}, {@code rsync-down}.
 */
final class LauncherCommands {
  private LauncherCommands() {}

  /** Reads the file; a bad one is a usage error listing every problem. */
  static ClusterConfig load(Path file) {
    try {
      return ClusterConfigLoader.load(file);
    } catch (ConfigException e) {
      throw new GlintCli.UserError(e.getMessage());
    }
  }

  /** Runs {@code body} with the config's provider; launcher failures become one clear line. */
  static int withLauncher(Path file, LauncherBody body) {
    return withLauncher(load(file), body);
  }

  static int withLauncher(ClusterConfig c, LauncherBody body) {
    NodeProvider provider;
    try {
      provider = NodeProviders.create(c);
    } catch (ConfigException e) {
      throw new GlintCli.UserError(e.getMessage());
    }
    try (provider) {
      return body.run(new ClusterLauncher(c, provider, System.out), c);
    } catch (NodeUpdateException | IllegalStateException | IllegalArgumentException e) {
      throw new GlintCli.UserError(e.getMessage());
    }
  }

  interface LauncherBody {
    int run(ClusterLauncher launcher, ClusterConfig config);
  }

  /** Asks before a change unless --yes (or no terminal to ask on). */
  static boolean confirm(boolean yes, String question) {
    if (yes || System.console() == null) {
      return true;
    }
    String answer = System.console().readLine(question + " [y/N] ");
    return answer != null && answer.strip().toLowerCase(Locale.ROOT).startsWith("y");
  }

  /** A verb on one cluster file (its first parameter). */
  abstract static class OnClusterFile implements Callable<Integer> {
    @Parameters(index = "0", description = "The cluster YAML.")
    Path config;
  }

  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description =
          "Creates or updates a cluster from its YAML: launches the head, runs its setup commands,"
              + " starts Glint and the autoscaler there (which launches the workers).")
  static final class Up extends OnClusterFile {
    @Option(
        names = {"-y", "--yes"},
        description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--no-restart", description = "Do not restart Glint on a head that runs.")
    boolean noRestart;

    @Option(names = "--min-workers", description = "Override every worker type's min_workers.")
    Integer minWorkers;

    @Option(names = "--dry-run", description = "Check the file and print the plan; launch nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
      ClusterConfig c = load(config);
      if (minWorkers != null) {
        if (minWorkers < 0) {
          throw new GlintCli.UserError("--min-workers must be 0 or more, got " + minWorkers);
        }
        c = c.withMinWorkers(minWorkers);
      }
      if (dryRun) {
        System.out.print(ClusterLauncher.plan(c));
        return 0;
      }
      if (!confirm(yes, "Launch or update cluster " + c.clusterName() + "?")) {
        System.out.println("Nothing done.");
        return 1;
      }
      return withLauncher(
          c,
          (l, cfg) -> {
            l.up(noRestart);
            return 0;
          });
    }
  }

  @Command(
      name = "down",
      mixinStandardHelpOptions = true,
      description = "Ends every node of the cluster (head and workers).")
  static final class Down extends OnClusterFile {
    @Option(
        names = {"-y", "--yes"},
        description = "Do not ask for confirmation.")
    boolean yes;

    @Override
    public Integer call() {
      ClusterConfig c = load(config);
      if (!confirm(yes, "End every node of cluster " + c.clusterName() + "?")) {
        System.out.println("Nothing done.");
        return 1;
      }
      return withLauncher(
          config,
          (l, cfg) -> {
            l.down();
            return 0;
          });
    }
  }

  @Command(
      name = "exec",
      mixinStandardHelpOptions = true,
      description = "Runs a shell command on the cluster's head; exits with its exit code.")
  static final class Exec extends OnClusterFile {
    @Parameters(index = "1", description = "The command.")
    String command;

    @Override
    public Integer call() {
      return withLauncher(config, (l, c) -> l.exec(command));
    }
  }

  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description =
          "Copies a driver jar to the head and runs it there against the cluster; exits with its"
              + " exit code.")
  static final class Submit extends OnClusterFile {
    @Parameters(index = "1", description = "The driver: a jar (its Main-Class runs).")
    Path program;

    @Parameters(index = "2..*", description = "Arguments for the program.")
    List<String> args = new ArrayList<>();

    @Option(
        names = "--main-class",
        description = "The class to run (default: the jar's Main-Class).")
    String mainClass;

    @Override
    public Integer call() {
      String name = program.getFileName().toString();
      if (name.endsWith(".py")) {
        throw new GlintCli.UserError(
            "submitting Python drivers needs Python driver support, which this version lacks;"
                + " submit a jar");
      }
      if (!name.endsWith(".jar") || !Files.isRegularFile(program)) {
        throw new GlintCli.UserError("glint submit runs a jar file; " + program + " is not one");
      }
      return withLauncher(config, (l, c) -> l.submit(program, mainClass, args));
    }
  }

  @Command(
      name = "attach",
      mixinStandardHelpOptions = true,
      description = "Opens a shell on the cluster's head.")
  static final class Attach extends OnClusterFile {
    @Override
    public Integer call() {
      return withLauncher(config, (l, c) -> l.attach());
    }
  }

  @Command(
      name = "get-head-ip",
      mixinStandardHelpOptions = true,
      description = "Prints the head's address.")
  static final class GetHeadIp extends OnClusterFile {
    @Override
    public Integer call() {
      return withLauncher(
          config,
          (l, c) -> {
            System.out.println(l.headIp());
            return 0;
          });
    }
  }

  @Command(
      name = "rsync-up",
      mixinStandardHelpOptions = true,
      description = "Copies a local file or directory to the head.")
  static final class RsyncUp extends OnClusterFile {
    @Parameters(index = "1", description = "Local source.")
    Path source;

    @Parameters(index = "2", description = "Target on the head (~ is the head's home).")
    String target;

    @Override
    public Integer call() {
      if (!Files.exists(source)) {
        throw new GlintCli.UserError("rsync-up: " + source + " does not exist");
      }
      return withLauncher(
          config,
          (l, c) -> {
            l.rsyncUp(source, target);
            return 0;
          });
    }
  }

  @Command(
      name = "rsync-down",
      mixinStandardHelpOptions = true,
      description = "Copies a file or directory from the head to here.")
  static final class RsyncDown extends OnClusterFile {
    @Parameters(index = "1", description = "Source on the head (~ is the head's home).")
    String source;

    @Parameters(index = "2", description = "Local target.")
    Path target;

    @Override
    public Integer call() {
      return withLauncher(
          config,
          (l, c) -> {
            l.rsyncDown(source, target);
            return 0;
          });
    }
  }
}
