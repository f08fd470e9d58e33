package io.glint.internal.runtime.common;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.KvGetRequest;
import io.glint.internal.proto.KvPutRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where the cluster's dashboard listens, kept in the control service's key-value store (as Ray
 * keeps it in the GCS), so any driver finds it: the dashboard publishes it when it starts.
 */
public final class DashboardAddress {
  static final String NAMESPACE = "glint.internal";
  static final String KEY = "dashboard_url";

  private DashboardAddress() {}

  public static void publish(ControlServiceGrpc.ControlServiceBlockingStub control, String url) {
    control.kvPut(
        KvPutRequest.newBuilder()
            .setNamespace(NAMESPACE)
            .setKey(KEY)
            .setValue(ByteString.copyFromUtf8(url))
            .setOverwrite(true)
            .build());
  }

  /** Forgets it (the dashboard stops). */
  public static void withdraw(ControlServiceGrpc.ControlServiceBlockingStub control) {
    control.kvDelete(
        io.glint.internal.proto.KvDeleteRequest.newBuilder()
            .setNamespace(NAMESPACE)
            .setKey(KEY)
            .build());
  }

  public static Optional<String> lookup(ControlServiceGrpc.ControlServiceBlockingStub control) {
    var r = control.kvGet(KvGetRequest.newBuilder().setNamespace(NAMESPACE).setKey(KEY).build());
    return r.getFound()
        ? Optional.of(r.getValue().toString(StandardCharsets.UTF_8))
        : Optional.empty();
  }
}
