package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.autoscaler.Autoscaler;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.runtime.common.AutoscalerKeys;
import io.glint.internal.runtime.common.Grpc;
import io.glint.testing.TestCluster;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code Autoscaler.requestResources} from a driver reaches the control service, where the head's
 * autoscaler reads it (Ray's {@code request_resources}): each call replaces the last, an empty one
 * withdraws it, and bad bundles are refused by name.
 */
class AutoscalerRequestIT {
  @Test
  void aDriversRequestIsWhatTheAutoscalerReads() {
    try (TestCluster cluster = TestCluster.builder().nodes(1).cpusPerNode(1).start()) {
      String[] hp = cluster.address().split(":");
      var channel = Grpc.channel(hp[0], Integer.parseInt(hp[1]), cluster.token(), null);
      try {
        var control =
            ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        Autoscaler.requestResources(List.of(Map.of("CPU", 4.0, "GPU", 1.0)));
        assertThat(AutoscalerKeys.requested(control))
            .containsExactly(Map.of("CPU", 4.0, "GPU", 1.0));
        Autoscaler.requestResources(3);
        assertThat(AutoscalerKeys.requested(control))
            .containsExactly(Map.of("CPU", 1.0), Map.of("CPU", 1.0), Map.of("CPU", 1.0));
        Autoscaler.requestResources(0);
        assertThat(AutoscalerKeys.requested(control)).isEmpty();
        assertThatThrownBy(() -> Autoscaler.requestResources(List.of(Map.of("GPU", -1.0))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("GPU must be 0 or more");
      } finally {
        Grpc.shutdown(channel);
      }
    }
  }
}
