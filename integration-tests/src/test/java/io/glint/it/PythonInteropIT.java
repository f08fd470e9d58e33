package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.Language;
import io.glint.api.ObjectRef;
import io.glint.api.PlacementGroup;
import io.glint.api.PlacementGroups;
import io.glint.api.PlacementStrategy;
import io.glint.api.PyActorClass;
import io.glint.api.PyActorMethod;
import io.glint.api.PyFunction;
import io.glint.api.exception.GetTimeoutException;
import io.glint.api.exception.TaskFailure;
import io.glint.api.exception.WorkerCrashedFailure;
import io.glint.testing.GlintExtension;
import io.glint.testing.PythonSupport;
import io.glint.tune.Result;
import io.glint.tune.ResultGrid;
import io.glint.tune.RunConfig;
import io.glint.tune.Tune;
import io.glint.tune.TuneConfig;
import io.glint.tune.Tuner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Python functions and actors as remote tasks, called from Java. */
class PythonInteropIT {
  @RegisterExtension
  static final GlintExtension glint =
      GlintExtension.withCluster(
          b ->
              b.cpusPerNode(2)
                  .pythonPath(List.of(Path.of("src/test/python").toAbsolutePath().toString())));

  static final String MOD = "glint_it.pyfns";

  @BeforeAll
  static void needsPython() {
    PythonSupport.assumeAvailable();
  }

  /** A Java record that crosses to Python as a dict and back. */
  public record Item(String name, int value) {}

  @TempDir Path tmp;

  @Test
  void aPythonFunctionRunsAsATask() {
    PyFunction<Integer> square = PyFunction.of(MOD, "square", Integer.class);
    assertThat(Glint.get(Glint.task(square, 4).remote())).isEqualTo(16);
    long pyPid = Glint.get(Glint.task(PyFunction.of(MOD, "pid", Long.class)).remote());
    assertThat(glint.cluster().workerPids()).contains(pyPid); // embedded in a worker JVM
  }

  @Test
  void javasTunerRunsAPythonTrainableInPythonTrialActors() {
    ResultGrid grid =
        new Tuner(
                PyFunction.of(MOD, "train_fn"),
                Map.of(
                    "lr", Tune.loguniform(1e-4, 1e-1),
                    "batch_size", Tune.choice(32, 64, 128),
                    "epochs", 3),
                // One trial at a time, so every trial reuses the one trial actor (checked below).
                TuneConfig.builder()
                    .metric("loss")
                    .mode("min")
                    .numSamples(4)
                    .maxConcurrentTrials(1)
                    .build(),
                RunConfig.builder().storagePath(tmp.toString()).verbose(false).build())
            .fit();
    assertThat(grid.size()).isEqualTo(4);
    assertThat(grid.errors()).isEmpty();
    java.util.Set<Long> pids = new java.util.HashSet<>();
    for (Result r : grid.results()) {
      assertThat(r.metricsHistory()).hasSize(3);
      pids.add(((Number) r.metrics().get("pid")).longValue());
    }
    // trials ran in Python actors (worker processes, reused from trial to trial), not here
    assertThat(pids).doesNotContain(ProcessHandle.current().pid()).hasSize(1);
    Result best = grid.getBestResult();
    assertThat(best.metric("loss"))
        .isEqualTo(grid.results().stream().mapToDouble(r -> r.metric("loss")).min().orElseThrow());
  }

  @Test
  void valuesCrossBothWays() {
    assertThat(Glint.get(Glint.task(PyFunction.of(MOD, "add", String.class), "ab", "cd").remote()))
        .isEqualTo("abcd");
    assertThat(
            Glint.get(
                Glint.task(PyFunction.of(MOD, "total", Double.class), List.of(1.5, 2.5, 3))
                    .remote()))
        .isEqualTo(7.0);
    Item back =
        Glint.get(
            Glint.task(PyFunction.of(MOD, "describe", Item.class), new Item("box", 21)).remote());
    assertThat(back).isEqualTo(new Item("BOX", 42));
    Object raw =
        Glint.get(
            Glint.task(PyFunction.of(MOD, "describe"), Map.of("name", "x", "value", 1)).remote());
    assertThat(raw).isEqualTo(Map.of("name", "X", "value", 2L));
  }

  @Test
  void javaAndPythonTasksChainThroughRefs() {
    ObjectRef<Integer> four = Glint.task(Fns::square, 2).remote(); // Java
    ObjectRef<Integer> sixteen =
        Glint.task(PyFunction.of(MOD, "square", Integer.class), four).remote(); // Python
    ObjectRef<Integer> twenty = Glint.task(Fns::add, sixteen, four).remote(); // Java again
    assertThat(Glint.get(twenty)).isEqualTo(20);
    List<ObjectRef<Integer>> refs = List.of(four, sixteen);
    assertThat(Glint.get(Glint.task(PyFunction.of(MOD, "sum_refs", Integer.class), refs).remote()))
        .isEqualTo(20);
  }

  @Test
  void pythonCallsBackIntoGlint() {
    assertThat(Glint.get(Glint.task(PyFunction.of(MOD, "call_java", Integer.class), 7).remote()))
        .isEqualTo(49);
    @SuppressWarnings("unchecked")
    ObjectRef<ObjectRef<String>> outer =
        (ObjectRef<ObjectRef<String>>)
            (ObjectRef<?>) Glint.task(PyFunction.of(MOD, "make_ref"), "stored by python").remote();
    Object inner = Glint.get(outer);
    assertThat(inner).isInstanceOf(ObjectRef.class);
    assertThat(Glint.get((ObjectRef<?>) inner)).isEqualTo("stored by python");
  }

  @Test
  void objectsPythonCodeStoresOrGetsFromJavaAreFreedWhenItDropsTheRefs() throws Exception {
    long baseline = StoredObjects.count();
    int size = 1 << 20; // stored, not inline
    assertThat(
            Glint.get(
                Glint.task(PyFunction.of(MOD, "put_and_drop", Integer.class), 4, size).remote()))
        .isEqualTo(4);
    // The Python worker released its refs at the end of the task and collects when idle.
    StoredObjects.await(baseline);
  }

  @Test
  void aPythonActorKeepsARefItWasGivenUntilItLetsGo() throws Exception {
    long baseline = StoredObjects.count();
    ActorHandle<PyActorClass> holder = Glint.actor(PyActorClass.of(MOD, "RefHolder")).remote();
    List<ObjectRef<byte[]>> given =
        new ArrayList<>(List.of(Glint.put(StoreFns.bytes(1 << 20, (byte) 3))));
    assertThat(Glint.get(holder.task(PyActorMethod.of("hold", Integer.class), given).remote()))
        .isEqualTo(1);
    given.clear();
    StoredObjects.collectForAWhile();
    assertThat(StoredObjects.count()).as("the Python actor still holds it").isEqualTo(baseline + 1);
    assertThat(Glint.get(holder.task(PyActorMethod.of("read", Integer.class)).remote()))
        .isEqualTo(1 << 20);
    assertThat(Glint.get(holder.task(PyActorMethod.of("drop", Boolean.class)).remote())).isTrue();
    StoredObjects.await(baseline);
    holder.kill();
  }

  @Test
  void aPythonErrorKeepsItsTypeAndTraceback() {
    assertThatThrownBy(
            () -> Glint.get(Glint.task(PyFunction.of(MOD, "fail"), "bad input").remote()))
        .isInstanceOfSatisfying(
            TaskFailure.class,
            f -> {
              assertThat(f.type()).isEqualTo("ValueError");
              assertThat(f.remoteMessage()).isEqualTo("bad input");
              assertThat(f.originLanguage()).isEqualTo(Language.PYTHON);
              assertThat(f.remoteStackTrace())
                  .contains("Traceback")
                  .contains("pyfns.py")
                  .contains("in fail");
            });
  }

  @Test
  void aHardPythonCrashIsAWorkerCrashAndIsRetried() {
    assertThatThrownBy(
            () ->
                Glint.get(
                    Glint.task(PyFunction.of(MOD, "crash")).setMaxRetries(0).remote(), 60_000))
        .isInstanceOf(WorkerCrashedFailure.class);
    assertThatThrownBy(
            () ->
                Glint.get(
                    Glint.task(PyFunction.of(MOD, "segfault")).setMaxRetries(0).remote(), 60_000))
        .isInstanceOf(WorkerCrashedFailure.class);
    String marker = tmp.resolve("crashed-once").toString();
    assertThat(
            Glint.get(
                Glint.task(PyFunction.of(MOD, "crash_once", String.class), marker).remote(),
                60_000))
        .isEqualTo("survived");
  }

  @Test
  void aPythonActorKeepsState() {
    ActorHandle<PyActorClass> counter = Glint.actor(PyActorClass.of(MOD, "Counter"), 10).remote();
    PyActorMethod<Integer> increment = PyActorMethod.of("increment", Integer.class);
    assertThat(Glint.get(counter.task(increment).remote())).isEqualTo(11);
    assertThat(Glint.get(counter.task(increment, 5).remote())).isEqualTo(16);
    assertThat(Glint.get(counter.task(PyActorMethod.of("get", Integer.class)).remote()))
        .isEqualTo(16);
    long pid = Glint.get(counter.task(PyActorMethod.of("pid", Long.class)).remote());
    assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
    counter.kill();
  }

  @Test
  void aPythonActorRunsInAPlacementGroupBundle() {
    PlacementGroup pg =
        PlacementGroups.createPlacementGroup(
            List.of(Map.of("CPU", 1.0)), PlacementStrategy.STRICT_PACK);
    try {
      assertThat(pg.wait(60)).isTrue();
      // Each holds its CPU while it runs (an actor that names none holds none once created, as in
      // Ray, and a second one would fit).
      ActorHandle<PyActorClass> counter =
          Glint.actor(PyActorClass.of(MOD, "Counter"), 1)
              .setResource("CPU", 1)
              .setPlacementGroup(pg, 0)
              .remote();
      assertThat(Glint.get(counter.task(PyActorMethod.of("increment", Integer.class)).remote()))
          .isEqualTo(2);
      // The bundle's only CPU is the actor's: a second one in the bundle waits.
      ActorHandle<PyActorClass> second =
          Glint.actor(PyActorClass.of(MOD, "Counter"), 1)
              .setResource("CPU", 1)
              .setPlacementGroup(pg, 0)
              .remote();
      assertThatThrownBy(
              () -> Glint.get(second.task(PyActorMethod.of("get", Integer.class)).remote(), 3_000))
          .isInstanceOf(GetTimeoutException.class);
      counter.kill();
      assertThat(Glint.get(second.task(PyActorMethod.of("get", Integer.class)).remote(), 60_000))
          .isEqualTo(1);
    } finally {
      PlacementGroups.removePlacementGroup(pg); // its actors end with it
    }
  }

  @Test
  void aBrokenPythonConstructorKillsTheActorWithItsError() {
    ActorHandle<PyActorClass> bad =
        Glint.actor(PyActorClass.of(MOD, "Counter"), "a", "b", "c").remote();
    assertThatThrownBy(() -> Glint.get(bad.task(PyActorMethod.of("get")).remote(), 30_000))
        .isInstanceOfSatisfying(
            io.glint.api.exception.ActorDiedFailure.class,
            f -> assertThat(f.type()).isEqualTo("TypeError"));
  }

  @Test
  void uuidsDecimalsAndTimesReachPythonAsTheirNaturalTypesAndComeBack() {
    List<Object> values =
        List.of(
            java.util.UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
            new java.math.BigDecimal("1234.5678"),
            java.time.LocalDate.of(2026, 11, 29),
            java.time.LocalTime.of(10, 15, 30),
            java.time.LocalDateTime.of(2026, 11, 29, 10, 15, 30, 123_456_000),
            java.time.Instant.parse("2026-11-29T10:15:30Z"),
            java.time.OffsetDateTime.parse("2026-11-29T10:15:30+02:00"),
            java.time.Duration.ofMillis(1500));
    @SuppressWarnings("unchecked")
    Map<String, List<Object>> back =
        Glint.get(Glint.task(PyFunction.of(MOD, "type_names", Map.class), values).remote());
    assertThat(back.get("types"))
        .containsExactly(
            "uuid.UUID",
            "decimal.Decimal",
            "datetime.date",
            "datetime.time",
            "datetime.datetime",
            "datetime.datetime",
            "datetime.datetime",
            "datetime.timedelta");
    assertThat(back.get("values").subList(0, 5)).isEqualTo(values.subList(0, 5));
    assertThat(back.get("values").get(5))
        .isEqualTo(java.time.OffsetDateTime.parse("2026-11-29T10:15:30Z"));
    assertThat(back.get("values").get(6)).isEqualTo(values.get(6));
    assertThat(back.get("values").get(7)).isEqualTo(values.get(7));
  }

  @Test
  void aValueWithNoPythonEquivalentFailsNamingItsType() {
    assertThatThrownBy(
            () ->
                Glint.task(PyFunction.of(MOD, "square", Integer.class), new StringBuilder("x"))
                    .remote())
        .hasMessageContaining("java.lang.StringBuilder");
  }
}
