package io.glint.api.internal;

import io.glint.api.exception.NotInitializedException;

/**
 * Holds the process's current runtime. Worker processes install theirs here at start; drivers get
 * one from {@code Glint.init}. Internal: not part of the public API.
 */
public final class RuntimeRegistry {
  private static volatile GlintRuntime current;

  private RuntimeRegistry() {}

  public static GlintRuntime get() {
    GlintRuntime rt = current;
    if (rt == null) {
      throw new NotInitializedException(
          "Glint is not initialized: call Glint.init() before using the Glint API");
    }
    return rt;
  }

  public static GlintRuntime getOrNull() {
    return current;
  }

  /** Installs {@code runtime}; fails if one is installed already. */
  public static synchronized void install(GlintRuntime runtime) {
    if (current != null) {
      throw new IllegalStateException(
          "Glint is already initialized in this process; call Glint.shutdown() first");
    }
    current = runtime;
  }

  /** Removes {@code runtime} if it is the current one. */
  public static synchronized void uninstall(GlintRuntime runtime) {
    if (current == runtime) {
      current = null;
    }
  }
}
