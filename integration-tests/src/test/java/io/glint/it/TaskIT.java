package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.exception.GetTimeoutException;
import io.glint.api.exception.ObjectSerializationException;
import io.glint.api.exception.TaskFailure;
import io.glint.testing.GlintExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Task semantics: processes, arguments, nesting, errors, futures. */
class TaskIT {
  @RegisterExtension
  static final GlintExtension glint = GlintExtension.withCluster(b -> b.cpusPerNode(2));

  @Test
  void taskRunsInAnotherProcess() {
    long workerPid = Glint.get(Glint.task(Fns::pid).remote());
    assertThat(workerPid).isNotEqualTo(ProcessHandle.current().pid());
    assertThat(glint.cluster().workerPids()).contains(workerPid);
  }

  @Test
  void workersArePrestartedAndReused() {
    List<Long> before = glint.cluster().workerPids();
    assertThat(before).isNotEmpty();
    java.util.Set<Long> used = new java.util.HashSet<>();
    for (int i = 0; i < 50; i++) {
      used.add(Glint.get(Glint.task(Fns::pid).remote()));
    }
    assertThat(before).containsAll(used);
    assertThat(glint.cluster().workerPids()).hasSameSizeAs(before);
  }

  @Test
  void workersServeTheirNodesTaskStreamsOnSocketsOnlyTheirUserCanOpen() throws Exception {
    long pid = Glint.get(Glint.task(Fns::pid).remote());
    java.nio.file.Path store = glint.cluster().nodes().get(0).storeDir();
    try (var files = java.nio.file.Files.list(store)) {
      List<java.nio.file.Path> sockets =
          files.filter(p -> p.getFileName().toString().startsWith("tasks-")).toList();
      assertThat(sockets).hasSizeGreaterThanOrEqualTo(1);
      for (java.nio.file.Path s : sockets) {
        assertThat(
                java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(s)))
            .isEqualTo("rw-------");
      }
    }
    assertThat(glint.cluster().workerPids()).contains(pid);
  }

  @Test
  void sixArgumentsAndMixedRefs() {
    ObjectRef<String> b = Glint.put("b");
    ObjectRef<String> e = Glint.task(Fns::concat, "e", "", "", "", "", "").remote();
    assertThat(Glint.get(Glint.task(Fns::concat, "a", b, "c", "d", e, "f").remote()))
        .isEqualTo("abcdef");
  }

  @Test
  void refArgumentsAreResolvedBeforeTheTaskRuns() {
    ObjectRef<Integer> four = Glint.task(Fns::square, 2).remote();
    ObjectRef<Integer> sixteen = Glint.task(Fns::square, four).remote();
    assertThat(Glint.get(Glint.task(Fns::add, sixteen, four).remote())).isEqualTo(20);
  }

  @Test
  void refsNestedInAListStayRefs() {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      refs.add(Glint.task(Fns::square, i).remote());
    }
    assertThat(Glint.get(Glint.task(Fns::describeList, refs).remote()))
        .isEqualTo("3 refs summing to 14");
  }

  @Test
  void aTaskMayReturnARefItOwns() {
    ObjectRef<ObjectRef<String>> outer = Glint.task(Fns::makeRef, "inner value").remote();
    ObjectRef<String> inner = Glint.get(outer);
    assertThat(Glint.get(inner)).isEqualTo("inner value");
  }

  @Test
  void capturingLambdasCarryTheirValues() {
    int offset = 100;
    ObjectRef<Integer> ref = Glint.task((Integer x) -> x + offset, 5).remote();
    assertThat(Glint.get(ref)).isEqualTo(105);
  }

  @Test
  void voidTasksCompleteWithNull() {
    ObjectRef<Void> done = Glint.task(Fns::log, "from a void task").remote();
    assertThat(Glint.get(done)).isNull();
  }

  @Test
  void nestedTasksDoNotDeadlockWhenEveryCpuIsBusy() {
    // Each of 4 tasks (2 CPUs) submits and waits for 5 more: blocked workers give their CPU back.
    List<ObjectRef<Integer>> outer = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      outer.add(Glint.task(Fns::nested, 5).remote());
    }
    assertThat(Glint.get(outer, 120_000)).containsOnly(0 + 1 + 4 + 9 + 16);
    assertThat(Glint.get(Glint.task(Fns::depth, 4).remote(), 120_000)).isEqualTo(4);
  }

  @Test
  void blockedParentsDoNotEachStartAWorker() {
    // 30 parents that block on their children: without a cap on one submitter's leases each
    // blocked parent's CPU went to the next parent, and the node started a worker JVM for each.
    List<ObjectRef<Integer>> parents = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      parents.add(Glint.task(Fns::nested, 2).remote());
    }
    assertThat(Glint.get(parents, 120_000)).containsOnly(0 + 1);
    assertThat(glint.cluster().workerPids()).hasSizeLessThanOrEqualTo(14);
  }

  @Test
  void exceptionSurfacesWithTypeAndRemoteStack() {
    ObjectRef<Integer> ref = Glint.task(Fns::fail, "boom").remote();
    assertThatThrownBy(() -> Glint.get(ref))
        .isInstanceOfSatisfying(
            TaskFailure.class,
            f -> {
              assertThat(f.type()).isEqualTo("java.lang.IllegalStateException");
              assertThat(f.remoteMessage()).isEqualTo("boom");
              assertThat(f.remoteStackTrace()).contains("io.glint.it.Fns.fail");
              assertThat(f.originLanguage()).isEqualTo(io.glint.api.Language.JAVA);
              assertThat(f.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("boom");
              assertThat(f.getMessage()).contains("Fns.fail").contains("boom");
            });
  }

  @Test
  void aFailedArgumentFailsTheDependentTaskWithTheSameError() {
    ObjectRef<Integer> bad = Glint.task(Fns::fail, "upstream").remote();
    ObjectRef<Integer> downstream = Glint.task(Fns::square, bad).remote();
    assertThatThrownBy(() -> Glint.get(downstream))
        .isInstanceOfSatisfying(
            TaskFailure.class, f -> assertThat(f.remoteMessage()).isEqualTo("upstream"));
  }

  @Test
  void getWithTimeoutThrowsTypedTimeout() {
    ObjectRef<String> slow = Glint.task(Fns::sleep, 30_000L).remote();
    assertThatThrownBy(() -> Glint.get(slow, 200))
        .isInstanceOf(GetTimeoutException.class)
        .hasMessageContaining("200 ms")
        .hasMessageContaining("Fns.sleep");
    Glint.cancel(slow, true);
  }

  @Test
  void nonSerializableArgumentIsRejectedNamingItsType() {
    Thread t = new Thread(() -> {});
    assertThatThrownBy(() -> Glint.task(Fns::identity, (Object) t).remote())
        .isInstanceOf(ObjectSerializationException.class)
        .hasMessageContaining("java.lang.Thread");
  }

  @Test
  void threadArgumentNamesTheType() {
    Thread t = new Thread(() -> {});
    assertThatThrownBy(() -> Glint.put(t))
        .isInstanceOfSatisfying(
            ObjectSerializationException.class,
            e -> {
              assertThat(e.valueType()).isEqualTo("java.lang.Thread");
              assertThat(e.getMessage()).contains("java.lang.Thread");
            });
  }

  @Test
  void toCompletableFutureCompletesWithValueOrFailure() throws Exception {
    CompletableFuture<Integer> ok = Glint.task(Fns::square, 9).remote().toCompletableFuture();
    assertThat(ok.get(30, TimeUnit.SECONDS)).isEqualTo(81);
    CompletableFuture<Integer> bad = Glint.task(Fns::fail, "f").remote().toCompletableFuture();
    assertThatThrownBy(() -> bad.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(TaskFailure.class);
  }

  @Test
  void runtimeContextInsideATask() {
    String inside = Glint.get(Glint.task(Fns::runtimeContext).remote());
    var driver = Glint.getRuntimeContext();
    assertThat(driver.isDriver()).isTrue();
    assertThat(driver.getTaskId()).isEmpty();
    assertThat(inside).isEqualTo(driver.getJobId() + "|true|false");
  }

  @Test
  void clusterResourcesAreReported() {
    Map<String, Double> total = Glint.clusterResources();
    assertThat(total).containsEntry("CPU", 2.0);
    assertThat(Glint.availableResources().get("CPU")).isBetween(0.0, 2.0);
  }

  @Test
  void workerOutputIsKeptInTheSessionLog() throws Exception {
    String marker = "log-line-" + System.nanoTime();
    Glint.get(Glint.task(Fns::log, marker).remote());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    boolean found = false;
    while (!found && System.nanoTime() < deadline) {
      try (var files = java.nio.file.Files.list(glint.cluster().logDir())) {
        for (var f : files.toList()) {
          if (java.nio.file.Files.readString(f).contains(marker)) {
            found = true;
          }
        }
      }
      Thread.sleep(20);
    }
    assertThat(found).isTrue();
  }
}
