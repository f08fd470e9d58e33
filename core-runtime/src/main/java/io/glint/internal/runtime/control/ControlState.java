package io.glint.internal.runtime.control;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.glint.internal.proto.JobConfig;
import io.glint.internal.proto.NodeInfo;
import io.glint.internal.proto.PlacementGroupInfo;
import io.glint.internal.proto.StoredActor;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.control.store.ControlStore;
import io.glint.internal.runtime.control.store.ControlStore.Table;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control service's records as rows of its {@link ControlStore}: written through on every
 * change that a restarted service needs, read back once at start. A failed write is logged and the
 * service goes on with what it holds in memory (it is then only as durable as its process).
 */
final class ControlState {
  private static final System.Logger LOG = System.getLogger(ControlState.class.getName());
  private static final String JOB_COUNTER = "job_counter";

  private final ControlStore store;
  private final AtomicLong failedWrites = new AtomicLong();

  ControlState(ControlStore store) {
    this.store = store;
  }

  String describe() {
    return store.describe();
  }

  /** What a started service finds in its storage. */
  record Recovered(
      List<NodeInfo> nodes,
      List<JobConfig> jobs,
      int jobCounter,
      List<StoredActor> actors,
      List<PlacementGroupInfo> groups,
      Map<String, byte[]> kv) {
    boolean isEmpty() {
      return nodes.isEmpty() && jobs.isEmpty() && actors.isEmpty() && groups.isEmpty();
    }
  }

  Recovered load() {
    byte[] counter = store.scan(Table.META).get(JOB_COUNTER);
    return new Recovered(
        rows(Table.NODES, NodeInfo.parser()),
        rows(Table.JOBS, JobConfig.parser()),
        counter == null ? 0 : ByteBuffer.wrap(counter).getInt(),
        rows(Table.ACTORS, StoredActor.parser()),
        rows(Table.PLACEMENT_GROUPS, PlacementGroupInfo.parser()),
        store.scan(Table.KV));
  }

  private <T> List<T> rows(Table t, Parser<T> parser) {
    List<T> out = new ArrayList<>();
    for (var e : store.scan(t).entrySet()) {
      try {
        out.add(parser.parseFrom(e.getValue()));
      } catch (InvalidProtocolBufferException ex) {
        LOG.log(
            System.Logger.Level.WARNING,
            "skipping an unreadable " + t.key() + " row " + e.getKey() + ": " + ex.getMessage());
      }
    }
    return out;
  }

  void node(NodeInfo n) {
    put(Table.NODES, Ids.hex(n.getNodeId()), n);
  }

  void job(JobConfig j, int counter) {
    put(Table.JOBS, Ids.hex(j.getJobId()), j);
    write(Table.META, JOB_COUNTER, ByteBuffer.allocate(4).putInt(counter).array());
  }

  void jobFinished(ByteString jobId) {
    delete(Table.JOBS, Ids.hex(jobId));
  }

  void actor(StoredActor a) {
    put(Table.ACTORS, Ids.hex(a.getCreation().getActorCreation().getActorId()), a);
  }

  /**
   * A dead actor leaves storage: after a restart it is unknown, which callers also read as dead.
   */
  void actorGone(ByteString actorId) {
    delete(Table.ACTORS, Ids.hex(actorId));
  }

  void group(PlacementGroupInfo g) {
    put(Table.PLACEMENT_GROUPS, Ids.hex(g.getSpec().getPlacementGroupId()), g);
  }

  void groupGone(ByteString groupId) {
    delete(Table.PLACEMENT_GROUPS, Ids.hex(groupId));
  }

  void kvPut(String key, ByteString value) {
    write(Table.KV, key, value.toByteArray());
  }

  void kvDelete(String key) {
    delete(Table.KV, key);
  }

  private void put(Table t, String key, MessageLite m) {
    write(t, key, m.toByteArray());
  }

  private void write(Table t, String key, byte[] value) {
    try {
      store.put(t, key, value);
    } catch (RuntimeException e) {
      failed("write", t, e);
    }
  }

  private void delete(Table t, String key) {
    try {
      store.delete(t, key);
    } catch (RuntimeException e) {
      failed("delete", t, e);
    }
  }

  private void failed(String what, Table t, RuntimeException e) {
    long n = failedWrites.incrementAndGet();
    if (n == 1 || n % 100 == 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "control storage "
              + store.describe()
              + ": "
              + what
              + " of a "
              + t.key()
              + " row failed ("
              + n
              + " so far): "
              + e.getMessage());
    }
  }

  void close() {
    store.close();
  }
}
