package io.glint.it;

import io.glint.testing.GlintExtension;
import io.glint.testing.TestCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tutorial's examples from a driver with no node of its own: three node processes whose stores
 * are each in a private mount namespace, so every object the driver puts or gets moves over the
 * network (Ray Client's situation).
 */
class RemoteDriverTutorialIT extends TutorialScenarios {
  @BeforeAll
  static void needsPrivateStores() {
    Assumptions.assumeTrue(
        TestCluster.privateStoresAvailable(), "unshare with a private /dev/shm needs root");
  }

  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(
          b ->
              b.privateStores(TestCluster.privateStoresAvailable())
                  .nodes(3)
                  .cpusPerNode(2)
                  .objectStoreMemory(256L << 20));
}
