"""The trial side of Glint Tune from Python: the host actor that runs Python trainables for the
Java engine (``io.glint.tune.PythonTrialActors``), and what a trainable calls (``report``,
``get_checkpoint``). A trial runs in lockstep with the experiment: ``step`` lets the trainable run
to its next ``report`` and returns that report; the trainable then waits in ``report`` until the
engine's scheduler lets it go on (or stops it)."""
import queue
import threading
import time
import traceback

from glint.tune._space import plain

_local = threading.local()
_active = None  # the runner of this process's current trial (for threads the trainable starts)


class Checkpoint:
    """A trial's state at a report, as a dict of plain values (bytes too: ``pickle.dumps`` a model
    into one). Saved with the trial and handed back by ``get_checkpoint()`` when it resumes (after a
    failure, a restore, a HyperBand pause or a PBT exploit)."""

    def __init__(self, data):
        if not isinstance(data, dict):
            raise TypeError("a Checkpoint holds a dict, got %s" % type(data).__name__)
        self._data = plain(data, "checkpoint")

    @classmethod
    def from_dict(cls, data):
        return cls(data)

    def to_dict(self):
        return dict(self._data)

    def __repr__(self):
        return "Checkpoint(%s)" % ", ".join(sorted(self._data))


class _StopTrial(BaseException):
    """Ends a trainable the experiment stopped (raised from report; not an Exception, so a
    trainable's ``except Exception`` does not swallow it)."""


def _step(metrics=None, checkpoint=None, done=False, error=None):
    return {"metrics": metrics or {}, "checkpoint": checkpoint, "done": done, "error": error}


class _Runner:
    def __init__(self, fn, config, checkpoint, start_iteration):
        self._fn = fn
        self._config = config
        self.checkpoint = None if checkpoint is None else Checkpoint(checkpoint)
        self._iteration = start_iteration
        self._reports = queue.Queue()
        self._proceed = threading.Semaphore(0)
        self._thread = None
        self._started = time.monotonic()
        self._stopping = False
        self._finished = False

    def step(self):
        if self._finished:
            return _step(done=True)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="glint-tune-trial", daemon=True)
            self._thread.start()
        else:
            self._proceed.release()
        return self._reports.get()

    def stop_and_join(self, wait_s):
        self._stopping = True
        self._proceed.release()
        if self._thread is None:
            return True
        self._thread.join(wait_s)
        return not self._thread.is_alive()

    def _run(self):
        global _active
        _local.runner = self
        _active = self
        try:
            result = self._fn(self._config)
            if isinstance(result, dict):  # Ray: a returned dict is the trial's final report
                self.report(result, None)
            last = _step(done=True)
        except _StopTrial:
            return
        except BaseException:  # noqa: BLE001 - the trial's failure goes to the engine
            if self._stopping:
                return
            last = _step(done=True, error=traceback.format_exc())
        self._finished = True
        self._reports.put(last)

    def report(self, metrics, checkpoint):
        if self._stopping:
            raise _StopTrial()
        if not isinstance(metrics, dict):
            raise TypeError("tune.report takes a dict of metrics, got %s" % type(metrics).__name__)
        m = plain(metrics, "a reported metric")
        if checkpoint is not None and not isinstance(checkpoint, Checkpoint):
            checkpoint = Checkpoint(checkpoint)
        self._iteration += 1
        m["training_iteration"] = self._iteration
        m["time_total_s"] = time.monotonic() - self._started
        m["timestamp"] = int(time.time())
        self._reports.put(_step(m, None if checkpoint is None else checkpoint.to_dict()))
        self._proceed.acquire()
        if self._stopping:
            raise _StopTrial()


class _Failed:
    """A trial whose trainable could not even be loaded: its first step reports why."""

    def __init__(self, error):
        self._error = error

    def step(self):
        return _step(done=True, error=self._error)

    def stop_and_join(self, wait_s):
        return True


class TrialHost:
    """The Python trial actor: runs one trial after another (actor reuse), driven by the engine."""

    def __init__(self):
        self._runner = None

    def begin(self, trainable, config, checkpoint, start_iteration):
        if self._runner is not None:
            raise RuntimeError("the previous trial on this actor has not ended")
        try:
            fn = _load(trainable)
            self._runner = _Runner(fn, config, checkpoint, start_iteration)
        except BaseException:  # noqa: BLE001
            self._runner = _Failed(traceback.format_exc())
        return True

    def step(self):
        if self._runner is None:
            raise RuntimeError("no trial runs on this actor")
        return self._runner.step()

    def end(self, wait_ms):
        runner, self._runner = self._runner, None
        return runner is None or runner.stop_and_join(wait_ms / 1000.0)


def _load(trainable):
    if "object" in trainable:  # pickled by the driver (decoded with the call's arguments)
        return trainable["object"]
    import importlib
    obj = importlib.import_module(trainable["module"])
    for part in trainable["function"].split("."):
        obj = getattr(obj, part)
    return obj


def _current():
    runner = getattr(_local, "runner", None)
    return runner if runner is not None else _active


def report(metrics=None, *, checkpoint=None, **kwargs):
    """Reports this epoch's metrics (and maybe a Checkpoint) from a trainable; returns when the
    experiment lets the trial go on. Ray's ``tune.report({"loss": loss})``; the older keyword form
    ``tune.report(loss=loss)`` works too."""
    runner = _current()
    if runner is None:
        raise RuntimeError("glint.tune.report works inside a trainable that Tune runs "
                           "(tune.run or Tuner(...).fit())")
    if metrics is None:
        metrics = kwargs
    elif kwargs:
        metrics = {**metrics, **kwargs}
    runner.report(metrics, checkpoint)


def get_checkpoint():
    """The Checkpoint this trial resumes from (after a failure, a restore, a HyperBand pause or a
    PBT exploit), or None."""
    runner = _current()
    if runner is None:
        raise RuntimeError("glint.tune.get_checkpoint works inside a trainable that Tune runs")
    return runner.checkpoint


class _AttrDict(dict):
    def __getattr__(self, name):
        try:
            v = self[name]
        except KeyError:
            raise AttributeError(name) from None
        return _AttrDict(v) if isinstance(v, dict) else v


def sample_from(function, config):
    """Evaluates a ``tune.sample_from`` function for the engine (a zero-CPU task)."""
    import pickle
    fn = pickle.loads(function)
    return plain(fn(_AttrDict(config=_AttrDict(config))), "what sample_from returned")
