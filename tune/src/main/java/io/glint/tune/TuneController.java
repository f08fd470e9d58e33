package io.glint.tune;

import io.glint.tune.schedulers.TrialScheduler;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The experiment's loop (Ray Tune's trial runner): starts trials as slots free up, hands each
 * report to the scheduler and acts on its decision (go on, pause, stop, exploit), retries failed
 * trials from their checkpoints, tells the searcher how trials ended, saves the state and prints
 * progress. One thread; trials run in parallel in their actors.
 */
final class TuneController {
  private static final long SAVE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final ExperimentState st;
  private final TrialExecutor exec;
  private final ExperimentStore store;
  private final ProgressReporter progress;
  private final TuneConfig cfg;
  private final Map<Trial, Object> handles = new HashMap<>();
  private final LinkedHashMap<Trial, CompletableFuture<TrialRunner.Step>> inflight =
      new LinkedHashMap<>();
  private final Deque<Trial> toLaunch = new ArrayDeque<>();
  private long lastSave = System.nanoTime();
  private final PrintStream out;

  /** Whether the experiment was asked to end now ({@link Tuner#interrupt()}). */
  private final java.util.function.BooleanSupplier interrupted;

  /**
   * @param interrupted asked at every turn (within a second): true ends {@link #run} as if the
   *     driver had died
   */
  TuneController(
      ExperimentState st,
      TrialExecutor exec,
      ExperimentStore store,
      PrintStream out,
      java.util.function.BooleanSupplier interrupted) {
    this.interrupted = interrupted;
    this.st = st;
    this.exec = exec;
    this.store = store;
    this.cfg = st.tuneConfig;
    this.out = st.runConfig.verbose() ? out : null;
    this.progress =
        new ProgressReporter(
            st.runConfig.verbose() ? out : null,
            st.runConfig.progressIntervalS(),
            cfg.metric(),
            cfg.mode());
  }

  List<Trial> run() {
    long t0 = System.nanoTime();
    if (!st.setUp) {
      cfg.searchAlg().setup(st.space, cfg.metric(), cfg.mode(), cfg.numSamples(), cfg.seed());
      cfg.scheduler().setup(cfg.metric(), cfg.mode());
      st.setUp = true;
    }
    // A restored experiment: trials that had not ended go on from their checkpoints.
    for (Trial t : st.trials) {
      if (t.status() == Trial.Status.RUNNING
          || t.status() == Trial.Status.PENDING
          || t.status() == Trial.Status.PAUSED) {
        t.rewindToCheckpoint();
        t.setStatus(Trial.Status.PENDING);
        toLaunch.add(t);
      }
    }
    int limit =
        cfg.maxConcurrentTrials() > 0 ? cfg.maxConcurrentTrials() : exec.defaultConcurrency();
    try {
      while (true) {
        if (interrupted.getAsBoolean()) {
          // Trials keep their state (running ones resume from their checkpoints on restore).
          throw new TuneInterruptedException(store.dir());
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        if (cfg.timeBudgetS() > 0 && elapsed >= cfg.timeBudgetS()) {
          stopAll("the experiment's time budget (" + cfg.timeBudgetS() + " s) ran out");
          break;
        }
        while (inflight.size() < limit) {
          Trial next = toLaunch.poll();
          if (next == null) {
            next = newTrial();
          }
          if (next == null) {
            break;
          }
          launch(
              next, next.checkpoint(), next.checkpoint() == null ? 0 : next.checkpointIteration());
        }
        if (inflight.isEmpty()) {
          boolean resumed = applyPaused(cfg.scheduler().decidePaused(true));
          if (!resumed && toLaunch.isEmpty()) {
            break;
          }
          continue;
        }
        Map.Entry<Trial, TrialRunner.Step> done = awaitNext(t0);
        if (done != null) {
          handle(done.getKey(), done.getValue());
          applyPaused(cfg.scheduler().decidePaused(false));
        }
        if (System.nanoTime() - lastSave > SAVE_EVERY_NANOS) {
          save();
        }
        progress.maybePrint(st.trials, (System.nanoTime() - t0) / 1e9);
      }
    } finally {
      for (Map.Entry<Trial, Object> h : new ArrayList<>(handles.entrySet())) {
        stopQuietly(h.getValue());
      }
      handles.clear();
      save();
    }
    progress.print(st.trials, (System.nanoTime() - t0) / 1e9);
    return st.trials;
  }

  private Trial newTrial() {
    if (st.searcherDone) {
      return null;
    }
    String id = String.format("trial_%05d", st.trialCounter);
    Map<String, Object> config = cfg.searchAlg().suggest(id);
    if (config == null) {
      st.searcherDone = true;
      return null;
    }
    st.trialCounter++;
    Trial t = new Trial(id, config);
    st.trials.add(t);
    cfg.scheduler().onTrialAdd(t);
    store.trialCreated(t);
    return t;
  }

  private void launch(Trial t, Checkpoint from, int startIteration) {
    try {
      Object h = exec.start(t, t.config(), from, startIteration);
      handles.put(t, h);
      t.setStatus(Trial.Status.RUNNING);
      inflight.put(t, exec.step(h));
    } catch (RuntimeException e) {
      failed(t, "the trial could not start: " + e);
    }
  }

  /** The first trial (in launch order) whose step finished; null when none did within 1 s. */
  private Map.Entry<Trial, TrialRunner.Step> awaitNext(long t0) {
    try {
      CompletableFuture.anyOf(inflight.values().toArray(CompletableFuture[]::new))
          .get(1, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      // one failed: found below
    }
    for (Map.Entry<Trial, CompletableFuture<TrialRunner.Step>> e : inflight.entrySet()) {
      if (e.getValue().isDone()) {
        Trial t = e.getKey();
        inflight.remove(t);
        TrialRunner.Step step;
        try {
          step = e.getValue().join();
        } catch (RuntimeException failure) {
          Throwable c = failure.getCause() != null ? failure.getCause() : failure;
          step = new TrialRunner.Step(Map.of(), null, true, "the trial's actor failed: " + c);
        }
        return Map.entry(t, step);
      }
    }
    return null;
  }

  private void handle(Trial t, TrialRunner.Step step) {
    if (step.error() != null) {
      stopQuietly(handles.remove(t));
      failed(t, step.error());
      return;
    }
    if (step.done()) {
      stopQuietly(handles.remove(t));
      end(t, Trial.Status.TERMINATED);
      return;
    }
    t.addResult(step.metrics(), step.checkpoint());
    store.result(t, step.metrics(), step.checkpoint());
    TrialScheduler.Decision d = cfg.scheduler().onTrialResult(t, step.metrics());
    if (d.exploitFrom() != null) {
      // PBT: go on from the other trial's checkpoint with the explored config.
      stopQuietly(handles.remove(t));
      t.setConfig(d.newConfig());
      t.adopt(d.exploitFrom().checkpoint(), t.iteration());
      store.configChanged(t);
      launch(t, d.exploitFrom().checkpoint(), t.iteration());
      return;
    }
    switch (d.action()) {
      case CONTINUE -> inflight.put(t, exec.step(handles.get(t)));
      case PAUSE -> {
        stopQuietly(handles.remove(t));
        t.setStatus(Trial.Status.PAUSED);
        save();
      }
      case STOP -> {
        stopQuietly(handles.remove(t));
        end(t, Trial.Status.TERMINATED);
      }
    }
  }

  /** Resumes or stops paused trials as the scheduler says; true if any resumes. */
  private boolean applyPaused(Map<Trial, TrialScheduler.Action> decisions) {
    boolean resumed = false;
    for (Map.Entry<Trial, TrialScheduler.Action> e : decisions.entrySet()) {
      Trial t = e.getKey();
      if (t.status() != Trial.Status.PAUSED) {
        continue;
      }
      if (e.getValue() == TrialScheduler.Action.CONTINUE) {
        t.rewindToCheckpoint();
        t.setStatus(Trial.Status.PENDING);
        toLaunch.addFirst(t);
        resumed = true;
      } else if (e.getValue() == TrialScheduler.Action.STOP) {
        end(t, Trial.Status.TERMINATED);
      }
    }
    return resumed;
  }

  private void failed(Trial t, String error) {
    t.failed(error);
    store.error(t, error);
    if (t.failures() <= st.runConfig.maxFailures()) {
      t.rewindToCheckpoint();
      t.setStatus(Trial.Status.PENDING);
      toLaunch.add(t);
      return;
    }
    end(t, Trial.Status.ERROR);
  }

  private void end(Trial t, Trial.Status status) {
    t.setStatus(status);
    cfg.scheduler().onTrialComplete(t);
    cfg.searchAlg().onTrialComplete(t.id(), t.lastResult(), status == Trial.Status.ERROR);
    save();
  }

  private void stopAll(String why) {
    for (Trial t : new ArrayList<>(inflight.keySet())) {
      inflight.remove(t);
      stopQuietly(handles.remove(t));
      end(t, Trial.Status.TERMINATED);
    }
    for (Trial t : st.trials) {
      if (t.status() == Trial.Status.PAUSED || t.status() == Trial.Status.PENDING) {
        end(t, Trial.Status.TERMINATED);
      }
    }
    toLaunch.clear();
    st.searcherDone = true;
    if (out != null) {
      out.println("Tune: " + why + "; running trials were stopped");
    }
  }

  private void stopQuietly(Object handle) {
    if (handle == null) {
      return;
    }
    try {
      exec.stop(handle);
    } catch (RuntimeException e) {
      // already gone
    }
  }

  private void save() {
    store.save(st);
    lastSave = System.nanoTime();
  }
}
