package io.glint.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.glint.internal.proto.ControlServiceGrpc;
import io.glint.internal.proto.KvDeleteRequest;
import io.glint.internal.proto.KvGetRequest;
import io.glint.internal.proto.KvKeysRequest;
import io.glint.internal.proto.KvPutRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Jobs' records in the control service's key-value store (Ray keeps job info in the GCS), so a head
 * restarted from durable storage lists the jobs it ran before. A record is the job's REST view as
 * JSON; its log stays in the jobs directory.
 */
interface JobRecords {
  void save(Map<String, Object> view);

  void delete(String id);

  List<Map<String, Object>> load();

  /** No records (tests of the job manager alone). */
  JobRecords NONE =
      new JobRecords() {
        @Override
        public void save(Map<String, Object> view) {}

        @Override
        public void delete(String id) {}

        @Override
        public List<Map<String, Object>> load() {
          return List.of();
        }
      };

  /** In the control service's KV store, namespace {@code glint.jobs}. */
  static JobRecords inControlKv(Supplier<ControlServiceGrpc.ControlServiceBlockingStub> control) {
    String ns = "glint.jobs";
    ObjectMapper json = new ObjectMapper();
    System.Logger log = System.getLogger(JobRecords.class.getName());
    return new JobRecords() {
      @Override
      public void save(Map<String, Object> view) {
        try {
          control
              .get()
              .kvPut(
                  KvPutRequest.newBuilder()
                      .setNamespace(ns)
                      .setKey((String) view.get("submission_id"))
                      .setValue(ByteString.copyFrom(json.writeValueAsBytes(view)))
                      .setOverwrite(true)
                      .build());
        } catch (StatusRuntimeException | IOException e) {
          log.log(
              System.Logger.Level.WARNING,
              "cannot record job " + view.get("submission_id") + ": " + e);
        }
      }

      @Override
      public void delete(String id) {
        try {
          control.get().kvDelete(KvDeleteRequest.newBuilder().setNamespace(ns).setKey(id).build());
        } catch (StatusRuntimeException e) {
          log.log(System.Logger.Level.WARNING, "cannot delete the record of job " + id + ": " + e);
        }
      }

      @Override
      @SuppressWarnings("unchecked")
      public List<Map<String, Object>> load() {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
          var stub = control.get();
          for (String key :
              stub.kvKeys(KvKeysRequest.newBuilder().setNamespace(ns).build()).getKeysList()) {
            var r = stub.kvGet(KvGetRequest.newBuilder().setNamespace(ns).setKey(key).build());
            if (r.getFound()) {
              out.add(json.readValue(r.getValue().toByteArray(), Map.class));
            }
          }
        } catch (StatusRuntimeException | IOException e) {
          log.log(System.Logger.Level.WARNING, "cannot read earlier jobs' records: " + e);
        }
        out.sort(
            java.util.Comparator.comparingLong(m -> ((Number) m.get("start_time")).longValue()));
        return out;
      }
    };
  }
}
