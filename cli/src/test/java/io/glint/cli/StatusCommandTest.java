package io.glint.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.PlacementGroupInfo;
import io.glint.internal.proto.PlacementGroupSpec;
import io.glint.internal.proto.PlacementGroupState;
import io.glint.internal.proto.PlacementStrategy;
import io.glint.internal.proto.ResourceSet;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
  private static PlacementGroupInfo group(
      String name, PlacementStrategy strategy, int bundles, PlacementGroupState state, String why) {
    PlacementGroupSpec.Builder spec =
        PlacementGroupSpec.newBuilder()
            .setPlacementGroupId(ByteString.copyFromUtf8("group-id-" + name))
            .setName(name)
            .setStrategy(strategy);
    for (int i = 0; i < bundles; i++) {
      spec.addBundles(ResourceSet.getDefaultInstance());
    }
    return PlacementGroupInfo.newBuilder()
        .setSpec(spec)
        .setState(state)
        .setPendingReason(why)
        .build();
  }

  private static String print(List<PlacementGroupInfo> groups) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StatusCommand.printGroups(new PrintStream(bytes, true, StandardCharsets.UTF_8), groups);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void liveGroupsAreListedWithStrategyStateAndWhyTheyWait() {
    String out =
        print(
            List.of(
                group(
                    "trainers",
                    PlacementStrategy.PLACEMENT_STRATEGY_STRICT_SPREAD,
                    3,
                    PlacementGroupState.PLACEMENT_GROUP_STATE_CREATED,
                    ""),
                group(
                    "big",
                    PlacementStrategy.PLACEMENT_STRATEGY_PACK,
                    2,
                    PlacementGroupState.PLACEMENT_GROUP_STATE_PENDING,
                    "no node has 64 CPU free"),
                group(
                    "gone",
                    PlacementStrategy.PLACEMENT_STRATEGY_PACK,
                    1,
                    PlacementGroupState.PLACEMENT_GROUP_STATE_REMOVED,
                    "")));
    assertThat(out)
        .isEqualTo(
            "Placement groups:\n"
                + " trainers: STRICT_SPREAD, 3 bundles, created\n"
                + " big: PACK, 2 bundles, pending (no node has 64 CPU free)\n");
  }

  @Test
  void noSectionWithoutLiveGroups() {
    assertThat(print(List.of())).isEmpty();
  }
}
