package io.glint.internal.runtime.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code --key=value} command line of a daemon process (control service, node daemon), which
 * the CLI and test clusters start; a bad one ends the process with one line and exit code 2.
 */
public final class DaemonArgs {
  private final String program;
  private final Map<String, String> values = new LinkedHashMap<>();

  private DaemonArgs(String program) {
    this.program = program;
  }

  public static DaemonArgs parse(String program, String[] args) {
    DaemonArgs a = new DaemonArgs(program);
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        a.fail("expected --key=value arguments, got '" + arg + "'");
      }
      int eq = arg.indexOf('=');
      a.values.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    return a;
  }

  public String get(String key, String dflt) {
    return values.getOrDefault(key, dflt);
  }

  public String require(String key) {
    String v = values.get(key);
    if (v == null || v.isBlank()) {
      fail("--" + key + " is required");
    }
    return v;
  }

  public int getInt(String key, int dflt) {
    String v = values.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      fail("--" + key + " must be a whole number, got '" + v + "'");
      return dflt;
    }
  }

  public long getLong(String key, long dflt) {
    String v = values.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      fail("--" + key + " must be a whole number, got '" + v + "'");
      return dflt;
    }
  }

  /** The token from {@code --token-file} (a file only this user can read). */
  public String token() {
    Path p = Path.of(require("token-file"));
    try {
      return Files.readString(p, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      fail("cannot read the token file " + p + ": " + e.getMessage());
      return null;
    }
  }

  /** Ends the process: one line on stderr, exit code 2. */
  public void fail(String message) {
    System.err.println(program + ": " + message);
    System.exit(2);
  }

  /** Writes {@code text} to {@code file} atomically (readers never see half of it). */
  public static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
