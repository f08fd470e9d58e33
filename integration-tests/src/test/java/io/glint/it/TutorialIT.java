package io.glint.it;

import io.glint.testing.GlintExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tutorial's examples on an embedded-style cluster: one node, the driver on it. */
class TutorialIT extends TutorialScenarios {
  @RegisterExtension
  static final GlintExtension glint = GlintExtension.withCluster(b -> b.cpusPerNode(2));
}
