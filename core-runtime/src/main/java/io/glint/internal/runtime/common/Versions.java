package io.glint.internal.runtime.common;

import io.glint.internal.proto.HandshakeReply;
import io.glint.internal.proto.HandshakeRequest;
import io.glint.internal.proto.Language;
import io.glint.internal.proto.ProtocolVersion;

/** Version handshake shared by all services. */
public final class Versions {
  public static final String GLINT_VERSION = "0.1.0";
  public static final String CLIENT = "glint-java " + GLINT_VERSION;

  private Versions() {}

  public static HandshakeRequest request() {
    return HandshakeRequest.newBuilder()
        .setProtocolVersion(ProtocolVersion.PROTOCOL_VERSION_1)
        .setClientVersion(CLIENT)
        .setLanguage(Language.LANGUAGE_JAVA)
        .build();
  }

  public static HandshakeReply answer(HandshakeRequest req) {
    boolean ok = req.getProtocolVersion() == ProtocolVersion.PROTOCOL_VERSION_1;
    return HandshakeReply.newBuilder()
        .setProtocolVersion(ProtocolVersion.PROTOCOL_VERSION_1)
        .setServerVersion(CLIENT)
        .setCompatible(ok)
        .setMessage(
            ok
                ? ""
                : "protocol version "
                    + req.getProtocolVersionValue()
                    + " from "
                    + req.getClientVersion()
                    + " is not supported; this server speaks version 1")
        .build();
  }

  /** Throws when the server refused us. */
  public static void check(HandshakeReply reply, String peer) {
    if (!reply.getCompatible()) {
      throw new IllegalStateException(
          "Incompatible Glint peer " + peer + ": " + reply.getMessage());
    }
  }
}
