package io.glint.testing;

import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that starts one {@link TestCluster} for a test class and always stops it
 * after the class, failing the class when processes leak.
 *
 * <pre>{@code
 * class MyIT {
 *   @RegisterExtension
 *   static final GlintExtension glint = GlintExtension.withCluster(b -> b.cpusPerNode(2));
 *
 *   @Test
 *   void squares() {
 *     assertEquals(16, Glint.get(Glint.task(Fns::square, 4).remote()));
 *   }
 * }
 * }</pre>
 */
public final class GlintExtension implements BeforeAllCallback, AfterAllCallback {
  private final Consumer<TestCluster.Builder> configure;
  private TestCluster cluster;

  private GlintExtension(Consumer<TestCluster.Builder> configure) {
    this.configure = configure;
  }

  /** One cluster per test class, configured by {@code configure}. */
  public static GlintExtension withCluster(Consumer<TestCluster.Builder> configure) {
    return new GlintExtension(configure);
  }

  /** The running cluster (between beforeAll and afterAll). */
  public TestCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException("The Glint test cluster is not running");
    }
    return cluster;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    TestCluster.Builder b = TestCluster.builder();
    configure.accept(b);
    cluster = b.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    TestCluster c = cluster;
    cluster = null;
    if (c != null) {
      c.close();
    }
  }
}
