package io.glint.internal.runtime.common;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.KvGetRequest;
import io.glint.internal.proto.KvPutRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What drivers and the autoscaler tell each other through the control service's key-value store:
 * the resources a driver asked the cluster to be able to hold ({@code requestResources}, Ray's
 * {@code request_resources}) and the autoscaler's latest status report, which {@code glint status}
 * prints.
 */
public final class AutoscalerKeys {
  static final String NAMESPACE = "glint.internal";
  static final String REQUESTED = "autoscaler_requested_resources";
  static final String STATUS = "autoscaler_status";

  private AutoscalerKeys() {}

  /** Replaces the standing request (an empty list withdraws it). One bundle per line. */
  public static void request(
      ControlServiceGrpc.ControlServiceBlockingStub control, List<Map<String, Double>> bundles) {
    StringBuilder b = new StringBuilder();
    for (Map<String, Double> bundle : bundles) {
      List<String> parts = new ArrayList<>();
      bundle.forEach((k, v) -> parts.add(k + "=" + v));
      b.append(String.join(",", parts)).append('\n');
    }
    put(control, REQUESTED, b.toString());
  }

  public static List<Map<String, Double>> requested(
      ControlServiceGrpc.ControlServiceBlockingStub control) {
    List<Map<String, Double>> out = new ArrayList<>();
    for (String line : get(control, REQUESTED).orElse("").split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      Map<String, Double> bundle = new LinkedHashMap<>();
      for (String part : line.split(",")) {
        int eq = part.indexOf('=');
        bundle.put(part.substring(0, eq), Double.parseDouble(part.substring(eq + 1)));
      }
      out.add(bundle);
    }
    return out;
  }

  public static void publishStatus(
      ControlServiceGrpc.ControlServiceBlockingStub control, String report) {
    put(control, STATUS, report);
  }

  public static Optional<String> status(ControlServiceGrpc.ControlServiceBlockingStub control) {
    return get(control, STATUS);
  }

  private static void put(
      ControlServiceGrpc.ControlServiceBlockingStub control, String key, String value) {
    control.kvPut(
        KvPutRequest.newBuilder()
            .setNamespace(NAMESPACE)
            .setKey(key)
            .setValue(ByteString.copyFromUtf8(value))
            .setOverwrite(true)
            .build());
  }

  private static Optional<String> get(
      ControlServiceGrpc.ControlServiceBlockingStub control, String key) {
    var r = control.kvGet(KvGetRequest.newBuilder().setNamespace(NAMESPACE).setKey(key).build());
    return r.getFound()
        ? Optional.of(r.getValue().toString(StandardCharsets.UTF_8))
        : Optional.empty();
  }
}
