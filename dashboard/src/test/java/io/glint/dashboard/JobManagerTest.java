package io.glint.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobManagerTest {
  @TempDir Path dir;

  /** Records kept as the control service's KV store keeps them: across "head restarts". */
  static final class MapRecords implements JobRecords {
    final Map<String, Map<String, Object>> kept = new LinkedHashMap<>();

    @Override
    public void save(Map<String, Object> view) {
      kept.put((String) view.get("submission_id"), view);
    }

    @Override
    public void delete(String id) {
      kept.remove(id);
    }

    @Override
    public List<Map<String, Object>> load() {
      return new ArrayList<>(kept.values());
    }
  }

  @Test
  void aRestartedHeadListsEarlierJobsAndEndsTheOnesItCannotSupervise() throws Exception {
    MapRecords records = new MapRecords();
    JobManager first = new JobManager(dir, "127.0.0.1:1", "t", records);
    JobManager.Job done =
        first.submit("done", "echo finished-output", null, Map.of(), Map.of("k", "v"));
    first.awaitEnd(done, 20_000);
    assertThat(done.status).isEqualTo(JobManager.Status.SUCCEEDED);
    JobManager.Job running = first.submit("running", "sleep 60", null, Map.of(), Map.of());
    long pid = running.pid;
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

    // The head dies without stopping its jobs (kill -9): a new one starts from the records.
    JobManager second = new JobManager(dir, "127.0.0.1:1", "t", records);
    JobManager.Job again = second.get("done");
    assertThat(again.status).isEqualTo(JobManager.Status.SUCCEEDED);
    assertThat(again.metadata).containsEntry("k", "v");
    assertThat(new String(JobManager.logs(again, 0), StandardCharsets.UTF_8))
        .contains("finished-output");
    JobManager.Job orphan = second.get("running");
    assertThat(orphan.status).isEqualTo(JobManager.Status.FAILED);
    assertThat(orphan.message).contains("head restarted").contains("stopped");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(records.kept.get("running").get("status")).isEqualTo("FAILED");

    assertThat(second.delete("done")).isTrue();
    assertThat(records.kept).doesNotContainKey("done");
    second.close();
    first.close();
  }
}
