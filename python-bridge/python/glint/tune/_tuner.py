"""Experiments from a Python driver: ``tune.run`` and ``Tuner`` in Ray Tune's names. The whole
experiment runs in Glint's Java Tune engine inside this process (``io.glint.tune.PythonTune``):
searchers, schedulers, trial actors, the progress table, results and restore are the engine's;
each trial is a Python actor running the trainable (see glint.tune._trial)."""
import math
import os

from glint import _runtime, _values
from glint.tune._space import to_spec
from glint.tune._trial import Checkpoint
from glint.tune.schedulers import TrialScheduler
from glint.tune.search import Searcher

_ENGINE = ("io.glint.tune.PythonTune", "fit")


class TuneError(Exception):
    """A trial's failure: its message is the trainable's traceback."""


class FailureConfig:
    """How often a failing trial is retried from its last checkpoint."""

    def __init__(self, max_failures=0, fail_fast=False):
        if fail_fast:
            raise ValueError("fail_fast is not supported: failed trials are reported in the results")
        if not isinstance(max_failures, int) or max_failures < 0:
            raise ValueError("max_failures must be an int >= 0, got %r" % (max_failures,))
        self.max_failures = max_failures


class RunConfig:
    """Where results go: ``<storage_path>/<name>/`` (default ``~/glint_results/<generated>``)."""

    def __init__(self, name=None, storage_path=None, failure_config=None, verbose=None,
                 stop=None, progress_interval_s=None):
        if stop is not None:
            raise ValueError("stop criteria are not supported yet: end the trainable's loop "
                             "instead, or use a scheduler (ASHAScheduler(max_t=...))")
        self.name, self.storage_path = name, storage_path
        self.failure_config = failure_config or FailureConfig()
        self.verbose = verbose
        self.progress_interval_s = progress_interval_s

    def _spec(self):
        spec = {"name": self.name,
                "storage_path": None if self.storage_path is None else os.path.abspath(
                    os.path.expanduser(str(self.storage_path))),
                "max_failures": self.failure_config.max_failures,
                "progress_interval_s": self.progress_interval_s}
        if self.verbose is not None:
            spec["verbose"] = bool(self.verbose)
        return spec


class TuneConfig:
    """How to search: the metric and mode, trials (num_samples), scheduler, search algorithm,
    concurrency, time budget, actor reuse; ``seed`` makes random search repeatable."""

    def __init__(self, metric=None, mode=None, search_alg=None, scheduler=None, num_samples=1,
                 max_concurrent_trials=None, time_budget_s=None, reuse_actors=None, seed=None):
        if mode not in (None, "min", "max"):
            raise ValueError('mode must be "min" or "max", got %r' % (mode,))
        if scheduler is not None and not isinstance(scheduler, TrialScheduler):
            raise TypeError("scheduler must be one of glint.tune.schedulers, got %r" % (scheduler,))
        if search_alg is not None and not isinstance(search_alg, Searcher):
            raise TypeError("search_alg must be one of glint.tune.search, got %r" % (search_alg,))
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ValueError("num_samples must be an int >= 1, got %r" % (num_samples,))
        self.metric, self.mode = metric, mode
        self.search_alg, self.scheduler = search_alg, scheduler
        self.num_samples = num_samples
        self.max_concurrent_trials = max_concurrent_trials
        self.time_budget_s = time_budget_s
        self.reuse_actors = reuse_actors
        self.seed = seed

    def _spec(self):
        metric, mode = self.metric, self.mode
        for part in (self.scheduler, self.search_alg):
            if part is None:
                continue
            for name, mine in (("metric", metric), ("mode", mode)):
                theirs = getattr(part, name)
                if theirs is not None and mine is not None and theirs != mine:
                    raise ValueError("%s=%r in %s but %r in TuneConfig: give it once"
                                     % (name, theirs, type(part).__name__, mine))
            metric = metric or part.metric
            mode = mode or part.mode
        spec = {"metric": metric, "mode": mode, "num_samples": self.num_samples,
                "max_concurrent_trials": self.max_concurrent_trials,
                "time_budget_s": self.time_budget_s, "reuse_actors": self.reuse_actors,
                "seed": self.seed}
        if self.scheduler is not None:
            spec["scheduler"] = self.scheduler._spec()
        if self.search_alg is not None:
            spec["search_alg"] = self.search_alg._spec()
        return spec


class PlacementGroupFactory:
    """A placement group per trial: the trial's actor in bundle 0, its tasks in the others."""

    def __init__(self, bundles, strategy="PACK"):
        if not bundles:
            raise ValueError("a PlacementGroupFactory needs at least one bundle")
        if strategy not in ("PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"):
            raise ValueError("unknown placement strategy %r" % (strategy,))
        self.bundles = [_resources(b) for b in bundles]
        self.strategy = strategy


class _WithResources:
    def __init__(self, trainable, resources):
        self.trainable = trainable
        self.resources = resources

    def __call__(self, config):
        return self.trainable(config)


def with_resources(trainable, resources):
    """The trainable with per-trial resources: a dict (``{"cpu": 2, "gpu": 1}``) or a
    PlacementGroupFactory."""
    if not isinstance(resources, PlacementGroupFactory):
        resources = _resources(resources)
    return _WithResources(trainable, resources)


def with_parameters(trainable, **kwargs):
    """The trainable, called as ``trainable(config, **kwargs)``; each value is put in the object
    store once and read by the trials, not pickled into every one."""
    from glint import put, get
    refs = {k: put(v) for k, v in kwargs.items()}

    def with_params(config):
        return trainable(config, **{k: get(r) for k, r in refs.items()})

    with_params.__name__ = getattr(trainable, "__name__", "trainable")
    resources = getattr(trainable, "resources", None)
    return _WithResources(with_params, resources) if resources is not None else with_params


def _resources(r):
    if not isinstance(r, dict):
        raise TypeError("resources must be a dict like {'cpu': 1, 'gpu': 1}, got %r" % (r,))
    out = {}
    for k, v in r.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise ValueError("resource %r must be a number >= 0, got %r" % (k, v))
        out[str(k)] = float(v)
    return out


def _trainable_spec(trainable):
    """What the engine passes to every trial actor, and the resources it asks for."""
    resources = None
    if isinstance(trainable, _WithResources):
        resources, trainable = trainable.resources, trainable.trainable
    if isinstance(trainable, type):
        raise TypeError("class trainables (tune.Trainable subclasses) are not supported yet: pass "
                        "a function of config that calls tune.report")
    if not callable(trainable):
        raise TypeError("the trainable must be a function of config, got %r" % (trainable,))
    return {"object": _values.Pickled(trainable)}, resources


def _fit(trainable, spec):
    trainable_spec, resources = _trainable_spec(trainable)
    spec["trainable"] = trainable_spec
    if isinstance(resources, PlacementGroupFactory):
        spec["bundles"], spec["strategy"] = resources.bundles, resources.strategy
    elif resources is not None:
        spec["resources"] = resources
    out = _call_interruptibly(spec)
    return [Result(r) for r in out["results"]], out["experiment_path"], out["metric"], out["mode"]


def _call_interruptibly(spec):
    """Runs the experiment in the engine from a helper thread, so Ctrl-C reaches this one: it asks
    the engine to stop (trials end, the state is saved as at a driver's death) and re-raises
    KeyboardInterrupt once the engine has stopped."""
    import sys
    import threading
    cls, method = _ENGINE
    box = {}
    # An Event, not Thread.join: a join interrupted by Ctrl-C may think the thread ended.
    done = threading.Event()

    def call():
        try:
            box["out"] = _runtime._request("java_static", **{"class": cls, "method": method,
                                                              "args": [spec]})
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = e
        finally:
            done.set()

    t = threading.Thread(target=call, name="glint-tune-fit", daemon=True)
    t.start()
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        _runtime._request("java_static", **{"class": cls, "method": "interrupt", "args": []})
        done.wait(120)
        err = box.get("error")
        print("Tune: %s" % (getattr(err, "message", None) or err or "interrupted"), file=sys.stderr)
        raise
    if "error" in box:
        raise box["error"]
    return box["out"]


def _ensure_init():
    from glint import _driver
    if not _driver.is_initialized():
        _driver.init()


class Result:
    """One trial's outcome: its config, last metrics, every report, error, directory and latest
    checkpoint."""

    def __init__(self, r):
        self.trial_id = r["trial_id"]
        self.config = r["config"]
        self.metrics = r["metrics"] or {}
        self._history = r["history"] or []
        self.error = None if r["error"] is None else TuneError(r["error"])
        self.path = r["path"]
        self.checkpoint = None if r["checkpoint"] is None else Checkpoint(r["checkpoint"])

    @property
    def metrics_dataframe(self):
        return _pandas().DataFrame(self._history)

    def __repr__(self):
        return "Result(trial_id=%r, metrics=%r, config=%r%s)" % (
            self.trial_id, _shown(self.metrics), self.config,
            ", error" if self.error else "")


def _shown(metrics):
    return {k: v for k, v in metrics.items() if k not in ("timestamp", "time_total_s")}


def _pandas():
    try:
        import pandas
    except ImportError:
        raise ImportError("a dataframe of Tune results needs pandas: pip install pandas") from None
    return pandas


def _best(results, metric, mode):
    if not metric or not mode:
        raise ValueError("no metric and mode: pass them here or set them in TuneConfig / tune.run")
    if mode not in ("min", "max"):
        raise ValueError('mode must be "min" or "max", got %r' % (mode,))
    scored = [r for r in results if isinstance(r.metrics.get(metric), (int, float))
              and not math.isnan(r.metrics[metric]) and not math.isinf(r.metrics[metric])]
    if not scored:
        raise RuntimeError("no trial reported %r" % (metric,))
    pick = min if mode == "min" else max
    return pick(scored, key=lambda r: r.metrics[metric])


def _flat(prefix, d, out):
    for k, v in d.items():
        if isinstance(v, dict):
            _flat(prefix + k + "/", v, out)
        else:
            out[prefix + k] = v
    return out


def _rows(results):
    rows = []
    for r in results:
        row = dict(r.metrics)
        row.update(_flat("config/", r.config, {}))
        row["trial_id"], row["logdir"] = r.trial_id, r.path
        row["error"] = None if r.error is None else str(r.error).strip().splitlines()[-1]
        rows.append(row)
    return rows


class ResultGrid:
    """Every trial's Result (Ray's ``ResultGrid``)."""

    def __init__(self, results, experiment_path, metric, mode):
        self._results = results
        self.experiment_path = experiment_path
        self._metric, self._mode = metric, mode

    def get_best_result(self, metric=None, mode=None, scope="last", filter_nan_and_inf=True):
        if scope != "last":
            raise ValueError("scope=%r: the best result is judged by each trial's last report"
                             % (scope,))
        return _best(self._results, metric or self._metric, mode or self._mode)

    def get_dataframe(self, filter_metric=None, filter_mode=None):
        return _pandas().DataFrame(_rows(self._results))

    @property
    def errors(self):
        return [r.error for r in self._results if r.error is not None]

    @property
    def num_errors(self):
        return len(self.errors)

    @property
    def num_terminated(self):
        return len(self._results) - self.num_errors

    def __len__(self):
        return len(self._results)

    def __getitem__(self, i):
        return self._results[i]

    def __iter__(self):
        return iter(self._results)

    def __repr__(self):
        return "ResultGrid(%d trials, %d errors, %s)" % (len(self), self.num_errors,
                                                          self.experiment_path)


class Tuner:
    """An experiment: ``Tuner(trainable, param_space=..., tune_config=TuneConfig(...),
    run_config=RunConfig(...)).fit()`` returns a ResultGrid. ``Tuner.restore(path, trainable)``
    resumes one whose driver died, without running finished trials again."""

    def __init__(self, trainable, *, param_space=None, tune_config=None, run_config=None,
                 _restore=None):
        _trainable_spec(trainable)  # fails now, not at fit(), for a bad trainable
        self._trainable = trainable
        self._space = param_space or {}
        if not isinstance(self._space, dict):
            raise TypeError("param_space must be a dict, got %r" % (self._space,))
        self._tune_config = tune_config or TuneConfig()
        self._run_config = run_config or RunConfig()
        self._restore = _restore
        self._results = None

    @classmethod
    def restore(cls, path, trainable, **unsupported):
        if unsupported:
            raise TypeError("Tuner.restore: unsupported arguments %s" % sorted(unsupported))
        if not cls.can_restore(path):
            raise ValueError("no Tune experiment to restore in %s" % (path,))
        return cls(trainable, _restore=os.path.abspath(os.path.expanduser(str(path))))

    @classmethod
    def can_restore(cls, path):
        return os.path.isfile(os.path.join(os.path.expanduser(str(path)), "experiment_state.bin"))

    def fit(self):
        if self._restore is not None:
            spec = {"restore": self._restore}
        else:
            spec = {"param_space": to_spec(self._space), "tune_config": self._tune_config._spec(),
                    "run_config": self._run_config._spec()}
        _ensure_init()
        results, path, metric, mode = _fit(self._trainable, spec)
        self._results = ResultGrid(results, path, metric, mode)
        return self._results

    def get_results(self):
        if self._results is None:
            raise RuntimeError("call fit() first")
        return self._results


class Trial:
    """A trial as ExperimentAnalysis shows it (Ray's ``Trial``)."""

    def __init__(self, result):
        self.trial_id = result.trial_id
        self.config = result.config
        self.last_result = result.metrics
        self.status = "ERROR" if result.error else "TERMINATED"
        self.error = result.error
        self.path = result.path

    def __repr__(self):
        return "Trial(%s, %s)" % (self.trial_id, self.status)


class ExperimentAnalysis:
    """What ``tune.run`` returns (Ray's ``ExperimentAnalysis``)."""

    def __init__(self, grid, metric, mode):
        self._grid = grid
        self.default_metric, self.default_mode = metric, mode
        self.trials = [Trial(r) for r in grid]
        self.experiment_path = grid.experiment_path

    def get_best_trial(self, metric=None, mode=None, scope="last"):
        best = self._grid.get_best_result(metric or self.default_metric,
                                          mode or self.default_mode, scope)
        return next(t for t in self.trials if t.trial_id == best.trial_id)

    def get_best_config(self, metric=None, mode=None, scope="last"):
        return self.get_best_trial(metric, mode, scope).config

    @property
    def best_trial(self):
        return self.get_best_trial()

    @property
    def best_config(self):
        return self.get_best_config()

    @property
    def best_result(self):
        return self.get_best_trial().last_result

    @property
    def results(self):
        return {t.trial_id: t.last_result for t in self.trials}

    @property
    def results_df(self):
        return self._grid.get_dataframe()

    def dataframe(self, metric=None, mode=None):
        return self._grid.get_dataframe()

    @property
    def errors(self):
        return self._grid.errors


def run(run_or_experiment, *, config=None, num_samples=1, metric=None, mode=None,
        scheduler=None, search_alg=None, resources_per_trial=None, max_concurrent_trials=None,
        time_budget_s=None, max_failures=0, storage_path=None, name=None, verbose=None,
        reuse_actors=None, stop=None, seed=None, **unsupported):
    """The seed's ``tune.run(train_fn, config={...}, num_samples=50)``: an experiment run to its
    end; returns an ExperimentAnalysis (``get_best_config(metric="loss", mode="min")``)."""
    if unsupported:
        raise TypeError("tune.run: unsupported arguments %s" % sorted(unsupported))
    trainable = run_or_experiment
    if resources_per_trial is not None:
        if isinstance(trainable, _WithResources):
            raise ValueError("resources given twice: with_resources and resources_per_trial")
        trainable = with_resources(trainable, resources_per_trial)
    tune_config = TuneConfig(metric=metric, mode=mode, search_alg=search_alg, scheduler=scheduler,
                             num_samples=num_samples, max_concurrent_trials=max_concurrent_trials,
                             time_budget_s=time_budget_s, reuse_actors=reuse_actors, seed=seed)
    run_config = RunConfig(name=name, storage_path=storage_path, verbose=verbose, stop=stop,
                           failure_config=FailureConfig(max_failures))
    tuner = Tuner(trainable, param_space=config or {}, tune_config=tune_config,
                  run_config=run_config)
    grid = tuner.fit()
    return ExperimentAnalysis(grid, grid._metric, grid._mode)
