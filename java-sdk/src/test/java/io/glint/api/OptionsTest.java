package io.glint.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.exception.GlintException;
import io.glint.api.exception.NotInitializedException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void callOptionsDefaultsAreRays() {
    CallOptions o = CallOptions.builder().build();
    assertThat(o.resources()).isEmpty();
    assertThat(o.maxRetries()).isEqualTo(3);
    assertThat(o.retryExceptions()).isFalse();
  }

  @Test
  void repeatedSettingsFailNamingBothValues() {
    assertThatThrownBy(() -> CallOptions.builder().setMaxRetries(1).setMaxRetries(2))
        .hasMessageContaining("maxRetries was already set to 1")
        .hasMessageContaining("2");
    assertThatThrownBy(() -> ActorOptions.builder().setName("a").setName("a"))
        .hasMessageContaining("same value given twice");
    assertThatThrownBy(() -> InitOptions.builder().resource("x", 1).resource("x", 2))
        .hasMessageContaining("resource x");
  }

  @Test
  void resourceRules() {
    CallOptions o =
        CallOptions.builder().setResources(Map.of("CPU", 0.5, "GPU", 2.0, "memory", 1e9)).build();
    assertThat(o.resources()).containsEntry("CPU", 0.5).containsEntry("GPU", 2.0);
    assertThatThrownBy(() -> CallOptions.builder().setResource("GPU", 0.00001))
        .hasMessageContaining("4 decimal places");
    assertThatThrownBy(() -> CallOptions.builder().setResource("CPU", 1.5))
        .hasMessageContaining("whole number");
    assertThatThrownBy(() -> CallOptions.builder().setResource("C PU", 1))
        .hasMessageContaining("whitespace");
    assertThatThrownBy(() -> InitOptions.builder().resource("CPU", 1))
        .hasMessageContaining("numCpus");
  }

  @Test
  void actorOptions() {
    ActorOptions a =
        ActorOptions.builder()
            .setMaxConcurrency(10)
            .setMaxRestarts(-1)
            .setJvmOptions(List.of("-Xmx1g"))
            .build();
    assertThat(a.maxConcurrency()).isEqualTo(10);
    assertThat(a.maxRestarts()).isEqualTo(-1);
    assertThat(a.jvmOptions()).containsExactly("-Xmx1g");
    assertThatThrownBy(() -> ActorOptions.builder().setMaxRestarts(-2))
        .hasMessageContaining(">= -1");
    assertThatThrownBy(() -> ActorOptions.builder().setJvmOptions(List.of(" ")))
        .hasMessageContaining("must not be empty");
  }

  @Test
  void withoutARuntimeTheErrorNamesTheArtifact() {
    assertThatThrownBy(() -> Glint.put(1)).isInstanceOf(NotInitializedException.class);
    // java-sdk's tests have no runtime on the class path.
    assertThatThrownBy(Glint::init)
        .isInstanceOf(GlintException.class)
        .hasMessageContaining("io.glint:glint-core-runtime");
  }
}
