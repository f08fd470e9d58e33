package io.glint.internal.runtime;

import io.glint.api.InitOptions;
import io.glint.api.internal.GlintRuntime;
import io.glint.api.internal.GlintRuntimeProvider;

/** Registered through {@code META-INF/services}: how {@code Glint.init} finds this runtime. */
public final class GlintRuntimeProviderImpl implements GlintRuntimeProvider {
  @Override
  public GlintRuntime start(InitOptions options) {
    return DriverRuntime.start(options);
  }
}
