package io.glint.api.internal;

import io.glint.api.InitOptions;

/**
 * Creates the runtime for a driver. Registered by {@code glint-core-runtime} as a {@link
 * java.util.ServiceLoader} service. Internal: not part of the public API.
 */
public interface GlintRuntimeProvider {
  GlintRuntime start(InitOptions options);
}
