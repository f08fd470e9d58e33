package io.glint.internal.runtime.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.HandshakeRequest;
import io.glint.internal.proto.ProtocolVersion;
import io.glint.internal.runtime.control.ControlServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

class GrpcSecurityTest {
  @Test
  void callsWithoutTheClusterTokenAreRefused() {
    String token = Grpc.newToken();
    try (ControlServer c = ControlServer.start("127.0.0.1", token)) {
      ManagedChannel good = Grpc.channel("127.0.0.1", c.address().getPort(), token, null);
      ManagedChannel bad = Grpc.channel("127.0.0.1", c.address().getPort(), Grpc.newToken(), null);
      try {
        assertThat(
                ControlServiceGrpc.newBlockingStub(good)
                    .handshake(Versions.request())
                    .getCompatible())
            .isTrue();
        assertThatThrownBy(
                () -> ControlServiceGrpc.newBlockingStub(bad).handshake(Versions.request()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                  assertThat(e.getStatus().getDescription()).contains("token");
                });
      } finally {
        Grpc.shutdown(good);
        Grpc.shutdown(bad);
      }
    }
  }

  @Test
  void handshakeRefusesAnotherProtocolVersion() {
    var reply =
        Versions.answer(
            HandshakeRequest.newBuilder()
                .setProtocolVersion(ProtocolVersion.PROTOCOL_VERSION_UNSPECIFIED)
                .setClientVersion("glint-python 9")
                .build());
    assertThat(reply.getCompatible()).isFalse();
    assertThat(reply.getMessage()).contains("glint-python 9").contains("version 1");
    assertThatThrownBy(() -> Versions.check(reply, "peer")).hasMessageContaining("Incompatible");
  }
}
