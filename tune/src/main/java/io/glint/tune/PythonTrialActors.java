package io.glint.tune;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.PlacementGroup;
import io.glint.api.PyActorClass;
import io.glint.api.PyActorMethod;
import io.glint.api.PyFunction;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Trials of a Python trainable, on Python host actors ({@code glint.tune._trial.TrialHost}): the
 * trainable runs in the actor's Python thread and its {@code glint.tune.report(...)} hands each
 * report to the host's {@code step}, the same lockstep as {@link TrialRunner}'s. Reports and
 * checkpoints cross as XLANG maps.
 */
final class PythonTrialActors implements TrialActors {
  static final PyActorClass HOST = PyActorClass.of("glint.tune._trial", "TrialHost");

  private static final PyActorMethod<Object> BEGIN = PyActorMethod.of("begin");
  private static final PyActorMethod<Map> STEP = PyActorMethod.of("step", Map.class);
  private static final PyActorMethod<Boolean> END = PyActorMethod.of("end", Boolean.class);

  /** {@code {"module", "function"}}, or {@code {"pickled": bytes}} (cloudpickle, by value). */
  private final Map<String, Object> trainable;

  PythonTrialActors(Map<String, Object> trainable) {
    this.trainable = trainable;
  }

  /** A module's function, found by name in the trial's worker. */
  static PythonTrialActors of(PyFunction<?> function) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("module", function.module());
    spec.put("function", function.function());
    return new PythonTrialActors(spec);
  }

  @Override
  public ActorHandle<?> create(Map<String, Double> resources, PlacementGroup group) {
    return TrialActors.start(Glint.actor(HOST), resources, group);
  }

  @Override
  public void begin(
      ActorHandle<?> host, Map<String, Object> config, Checkpoint restoreFrom, int startIteration) {
    Object checkpoint = restoreFrom == null ? null : restoreFrom.data();
    host.task(BEGIN, trainable, config, checkpoint, startIteration).remote();
  }

  @Override
  public CompletableFuture<TrialRunner.Step> step(ActorHandle<?> host) {
    return host.task(STEP).remote().toCompletableFuture().thenApply(PythonTrialActors::toStep);
  }

  @Override
  public ObjectRef<Boolean> end(ActorHandle<?> host, long waitMillis) {
    return host.task(END, waitMillis).remote();
  }

  /** The host's step answer: {@code {metrics, checkpoint, done, error}}. */
  @SuppressWarnings("unchecked")
  static TrialRunner.Step toStep(Map<?, ?> m) {
    Map<String, Object> metrics = new LinkedHashMap<>();
    if (m.get("metrics") instanceof Map<?, ?> raw) {
      raw.forEach((k, v) -> metrics.put(String.valueOf(k), v));
    }
    Checkpoint checkpoint =
        m.get("checkpoint") instanceof Map<?, ?> data
            ? new Checkpoint((Map<String, Object>) data)
            : null;
    return new TrialRunner.Step(
        metrics, checkpoint, Boolean.TRUE.equals(m.get("done")), (String) m.get("error"));
  }
}
