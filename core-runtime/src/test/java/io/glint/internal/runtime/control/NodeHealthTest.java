package io.glint.internal.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.Address;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.runtime.common.Grpc;
import io.glint.internal.runtime.common.ResourceSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class NodeHealthTest {
  /** A clock the test moves by hand. */
  static final class FakeClock extends Clock {
    private long millis;

    void advance(long ms) {
      millis += ms;
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @Test
  void aNodeThatStopsReportingIsMarkedDead() {
    FakeClock clock = new FakeClock();
    try (ControlServer c = ControlServer.start("127.0.0.1", Grpc.newToken(), clock, 10_000)) {
      ByteString a = ByteString.copyFromUtf8("node-a");
      ByteString b = ByteString.copyFromUtf8("node-b");
      for (ByteString id : new ByteString[] {a, b}) {
        c.registerNode(
            io.glint.internal.proto.RegisterNodeRequest.newBuilder()
                .setNode(
                    NodeInfo.newBuilder()
                        .setNodeId(id)
                        .setAddress(Address.newBuilder().setHost("127.0.0.1").setPort(1))
                        .setTotal(ResourceSet.of("CPU", 1).toProto())
                        .setAlive(true))
                .build());
      }
      clock.advance(6_000);
      assertThat(c.reportResources(report(a))).isTrue();
      clock.advance(6_000);
      c.checkNodeHealth();
      assertThat(c.aliveNodes()).extracting(NodeInfo::getNodeId).containsExactly(a);
      assertThat(c.reportResources(report(b))).isFalse(); // must re-register
    }
  }

  private static io.glint.internal.proto.ReportNodeResourcesRequest report(
      com.google.protobuf.ByteString node) {
    return io.glint.internal.proto.ReportNodeResourcesRequest.newBuilder()
        .setNodeId(node)
        .setAvailable(ResourceSet.EMPTY.toProto())
        .build();
  }
}
