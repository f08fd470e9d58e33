package io.glint.internal.runtime.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.InitOptions;
import io.glint.api.exception.ConfigurationException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class GlintConfigTest {
  private static Properties props(String... kv) {
    Properties p = new Properties();
    for (int i = 0; i < kv.length; i += 2) {
      p.setProperty(kv[i], kv[i + 1]);
    }
    return p;
  }

  @Test
  void precedenceIsDefaultThenEnvThenPropertyThenCode() {
    Map<String, String> env = Map.of("GLINT_NUM_CPUS", "2", "GLINT_NAMESPACE", "from-env");
    GlintConfig c = new GlintConfig(env, props("glint.numCpus", "3"));
    GlintConfig.Resolved r = c.resolve(InitOptions.defaults());
    assertThat(r.numCpus()).isEqualTo(3.0);
    assertThat(r.namespace()).isEqualTo("from-env");
    assertThat(r.logToDriver()).isTrue();
    assertThat(r.leaseIdleMs()).isEqualTo(10);
    assertThat(c.resolve(InitOptions.builder().numCpus(4).build()).numCpus()).isEqualTo(4.0);
  }

  @Test
  void listsAndResourcesParse() {
    GlintConfig c =
        new GlintConfig(
            Map.of(
                "GLINT_RESOURCES", "accelerator=1, disk=0.5",
                "GLINT_WORKER_JVM_OPTIONS", "-Xmx1g  -Dx=y",
                "GLINT_JOB_CODE_PATH", "/a" + java.io.File.pathSeparator + "/b"),
            new Properties());
    GlintConfig.Resolved r = c.resolve(InitOptions.defaults());
    assertThat(r.resources()).containsEntry("accelerator", 1.0).containsEntry("disk", 0.5);
    assertThat(r.workerJvmOptions()).containsExactly("-Xmx1g", "-Dx=y");
    assertThat(r.jobCodePath()).containsExactly("/a", "/b");
  }

  @Test
  void badValuesNameKeySourceAndValue() {
    assertThatThrownBy(
            () ->
                new GlintConfig(Map.of("GLINT_NUM_CPUS", "two"), new Properties())
                    .resolve(InitOptions.defaults()))
        .hasMessageContaining("GLINT_NUM_CPUS")
        .hasMessageContaining("'two'");
    assertThatThrownBy(
            () ->
                new GlintConfig(Map.of(), props("glint.logToDriver", "maybe"))
                    .resolve(InitOptions.defaults()))
        .hasMessageContaining("-Dglint.logToDriver")
        .hasMessageContaining("true or false");
    assertThatThrownBy(
            () ->
                new GlintConfig(Map.of("GLINT_RESOURCES", "gpu"), new Properties())
                    .resolve(InitOptions.defaults()))
        .hasMessageContaining("name=quantity");
    assertThatThrownBy(
            () ->
                new GlintConfig(Map.of("GLINT_RESOURCES", "x=-1"), new Properties())
                    .resolve(InitOptions.defaults()))
        .hasMessageContaining("negative");
  }

  @Test
  void storeSizesTakeUnitsAndAreCheckedAgainstTheMachine() {
    GlintConfig ok = new GlintConfig(Map.of("GLINT_OBJECT_STORE_MEMORY", "1.5g"), new Properties());
    assertThat(ok.resolve(InitOptions.defaults()).objectStoreMemory()).isEqualTo(3L << 29);
    for (String bad : List.of("banana", "-5g", "0", "100t")) {
      assertThatThrownBy(
              () ->
                  new GlintConfig(Map.of("GLINT_OBJECT_STORE_MEMORY", bad), new Properties())
                      .resolve(InitOptions.defaults()))
          .as(bad)
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("GLINT_OBJECT_STORE_MEMORY='" + bad + "'")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
    assertThatThrownBy(
            () ->
                new GlintConfig(Map.of(), props("glint.objectStoreMemory", "100t"))
                    .resolve(InitOptions.defaults()))
        .hasMessageContaining("more than this machine's memory")
        .hasMessageContaining("GiB");
    assertThatThrownBy(
            () ->
                new GlintConfig(Map.of(), new Properties())
                    .resolve(InitOptions.builder().objectStoreMemory(1L << 60).build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("InitOptions.objectStoreMemory(" + (1L << 60) + ")")
        .hasMessageContaining("1.00 EiB");
  }

  @Test
  void theDashboardIsOnByDefaultAndCodeWinsOverTheEnvironment() {
    var none = new GlintConfig(Map.of(), new Properties()).resolve(InitOptions.builder().build());
    assertThat(none.includeDashboard()).isTrue();
    assertThat(none.dashboardHost()).isEqualTo("127.0.0.1");
    assertThat(none.dashboardPort()).isEqualTo(8265);

    Properties off = new Properties();
    off.setProperty("glint.dashboard.enabled", "false");
    off.setProperty("glint.dashboard.port", "9000");
    var fromProps = new GlintConfig(Map.of(), off).resolve(InitOptions.builder().build());
    assertThat(fromProps.includeDashboard()).isFalse();
    assertThat(fromProps.dashboardPort()).isEqualTo(9000);

    var fromCode =
        new GlintConfig(Map.of("GLINT_DASHBOARD_ENABLED", "false"), new Properties())
            .resolve(InitOptions.builder().includeDashboard(true).dashboardPort(0).build());
    assertThat(fromCode.includeDashboard()).isTrue();
    assertThat(fromCode.dashboardPort()).isZero();

    assertThatThrownBy(() -> InitOptions.builder().dashboardPort(70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dashboardPort");
  }

  @Test
  void everyKeyIsDocumented() {
    assertThat(GlintConfig.ALL)
        .allSatisfy(
            k -> {
              assertThat(k.property()).startsWith("glint.");
              assertThat(k.env()).startsWith("GLINT_");
              assertThat(k.doc()).isNotBlank();
            });
    assertThat(GlintConfig.ALL.stream().map(GlintConfig.Key::property).distinct().count())
        .isEqualTo(GlintConfig.ALL.size());
    assertThat(List.copyOf(GlintConfig.ALL)).hasSizeGreaterThan(10);
  }
}
