"""Glint's Python API, in Ray's names: ``import glint as ray`` runs Ray core scripts.

    import glint as ray

    ray.init(num_cpus=4)                  # an embedded local cluster (or address="host:port")

    @ray.remote
    def square(x):
        return x * x

    @ray.remote
    class Counter:
        def __init__(self):
            self.n = 0
        def incr(self):
            self.n += 1
            return self.n

    print(ray.get([square.remote(i) for i in range(4)]))   # [0, 1, 4, 9]
    c = Counter.remote()
    print(ray.get(c.incr.remote()))                         # 1
    ray.shutdown()

The same names work inside tasks and actors (nested tasks), and in Python code a Java driver
runs. Java from Python: ``glint.cross_language.java_function(cls, method).remote(*args)``.
"""
import inspect as _inspect
import time as _time

from glint import cross_language, exceptions, util
from glint._driver import JobConfig, init, is_initialized, shutdown
from glint._remote import ActorClass, ActorHandle, RemoteFunction
from glint._values import ObjectRef
from glint import _remote, _runtime, _values

__version__ = "0.1.0"


def remote(*args, **options):
    """Makes a function a remote task, or a class an actor class (Ray's ``@ray.remote``, with or
    without options: ``@remote(num_cpus=2, num_returns=2)``)."""
    if len(args) == 1 and not options and callable(args[0]):
        return _make_remote(args[0], {})
    if args:
        raise TypeError("@remote takes one function or class, or only keyword options: "
                        "@remote(num_cpus=1)")
    return lambda target: _make_remote(target, options)


def _make_remote(target, options):
    if _inspect.isclass(target):
        return ActorClass(target, options)
    if callable(target):
        return RemoteFunction(target, options)
    raise TypeError(f"@remote needs a function or a class, got {type(target).__name__}")


def method(**options):
    """Ray's ``@ray.method(num_returns=2)``: default options of an actor method."""
    def wrap(fn):
        fn.__glint_method_options__ = options
        return fn
    return wrap


def _check_refs(refs, what):
    for r in refs:
        if not isinstance(r, ObjectRef):
            raise TypeError(f"{what} expects ObjectRefs, got {type(r).__name__}: {r!r}")


def get(object_refs, *, timeout=None):
    """The value of an ObjectRef, or the values of a list of them, waiting at most ``timeout``
    seconds in all (then ``GetTimeoutError``). A failed task raises its error here."""
    if isinstance(object_refs, ObjectRef):
        return _get_one(object_refs, timeout)
    if not isinstance(object_refs, (list, tuple)):
        raise ValueError("'object_refs' must either be an ObjectRef or a list of ObjectRefs, got "
                         f"{type(object_refs).__name__}")
    _check_refs(object_refs, "get")
    deadline = None if timeout is None else _time.monotonic() + timeout
    out = []
    for r in object_refs:
        left = None if deadline is None else max(0.0, deadline - _time.monotonic())
        out.append(_get_one(r, left))
    return out


def _get_one(ref, timeout):
    if timeout is not None and timeout < 0:
        raise ValueError("timeout must be >= 0 or None")
    return _runtime._request("get", ref=ref, timeout_ms=-1 if timeout is None else int(timeout * 1000))


def put(value):
    """Stores ``value`` in the object store; returns its ObjectRef. A 1-D numeric numpy array and
    an Arrow table are stored in formats tasks on this node read without a copy."""
    if isinstance(value, ObjectRef):
        raise TypeError("Calling 'put' on an ObjectRef is not allowed. If you really want to do "
                        "this, you can wrap the ObjectRef in a list and call 'put' on it.")
    if _runtime.mode != "worker":
        from glint import _driver
        _driver.ensure_initialized()
    kind = _values.c_data_kind(value)
    if kind == 3:
        return _remote.put_numpy(value)
    if kind == 2:
        return _remote.put_arrow(value)
    return _runtime._request("put", value=_remote.encode(value))


def wait(object_refs, *, num_returns=1, timeout=None, fetch_local=True):
    """(ready, not_ready): waits until ``num_returns`` of the refs are ready or ``timeout``
    seconds passed; order is kept within each list."""
    if isinstance(object_refs, ObjectRef) or not isinstance(object_refs, (list, tuple)):
        raise TypeError("wait() expected a list of ObjectRef, got "
                        f"{type(object_refs).__name__}")
    object_refs = list(object_refs)
    _check_refs(object_refs, "wait")
    if len(set(object_refs)) != len(object_refs):
        raise ValueError("Wait requires a list of unique object refs.")
    if num_returns <= 0:
        raise ValueError("Invalid number of objects to return %d." % num_returns)
    if num_returns > len(object_refs):
        raise ValueError("num_returns cannot be greater than the number of objects provided to "
                         f"wait ({num_returns} > {len(object_refs)})")
    if timeout is not None and timeout < 0:
        raise ValueError("timeout must be >= 0 or None")
    if not object_refs:
        return [], []
    r = _runtime._request("wait", refs=object_refs, num_returns=num_returns,
                          timeout_ms=-1 if timeout is None else int(timeout * 1000))
    return r[0], r[1]


def kill(actor, *, no_restart=True):
    """Stops an actor now (in-flight calls fail with ActorDiedError); with no_restart=False it
    may restart if it has restarts left."""
    if not isinstance(actor, ActorHandle):
        raise ValueError(f"glint.kill() only supports actors; got {type(actor).__name__}")
    _runtime._request("kill", actor=actor._actor_id, no_restart=bool(no_restart))


def cancel(object_ref, *, force=False, recursive=True):
    """Cancels the task that makes ``object_ref`` (queued: never runs; running: interrupted, or
    its worker killed with force=True); getting it raises TaskCancelledError."""
    if not isinstance(object_ref, ObjectRef):
        raise TypeError(f"glint.cancel() only supports ObjectRefs, got {type(object_ref).__name__}")
    _runtime._request("cancel", ref=object_ref, force=bool(force))


def get_actor(name, namespace=None):
    """The handle of the named actor; ValueError when there is none."""
    if not name:
        raise ValueError("Please supply a non-empty value to get_actor")
    actor_id = _runtime._request("get_actor", name=name, namespace=namespace)
    if actor_id is None:
        raise ValueError(f"Failed to look up actor with name '{name}'. This could because 1. You "
                         "are trying to look up a named actor you didn't create. 2. The named actor "
                         "died. 3. You did not use a namespace matching the namespace of the actor.")
    return ActorHandle(actor_id, name)


def cluster_resources():
    """The cluster's total resources: {"CPU": 4.0, "memory": ..., ...}."""
    return _runtime._request("cluster_resources")


def available_resources():
    """The resources free now."""
    return _runtime._request("available_resources")


def nodes():
    """The cluster's nodes, with Ray's keys (NodeID, Alive, Resources, ...)."""
    return _runtime._request("nodes")


class RuntimeContext:
    """Where this code runs: ``get_runtime_context().get_job_id()``, ``.get_node_id()``, ..."""

    def __init__(self, d):
        self._d = d

    def get_job_id(self):
        return self._d["job_id"]

    def get_node_id(self):
        return self._d["node_id"]

    def get_task_id(self):
        return self._d.get("task_id")

    def get_actor_id(self):
        return self._d.get("actor_id")

    def get_accelerator_ids(self):
        return {"GPU": [str(g) for g in self._d.get("gpu_ids") or []]}

    def get_gpu_ids(self):
        return list(self._d.get("gpu_ids") or [])

    @property
    def namespace(self):
        return self._d["namespace"]

    @property
    def job_id(self):
        return self._d["job_id"]

    @property
    def node_id(self):
        return self._d["node_id"]

    def __repr__(self):
        return f"RuntimeContext({self._d})"


def get_runtime_context():
    return RuntimeContext(_runtime._request("runtime_context"))


def get_gpu_ids():
    """The GPUs assigned to this task or actor."""
    return get_runtime_context().get_gpu_ids()


__all__ = ["JobConfig", "init", "shutdown", "is_initialized", "remote", "method", "get", "put", "wait", "kill",
           "cancel", "get_actor", "cluster_resources", "available_resources", "nodes",
           "get_runtime_context", "get_gpu_ids", "ObjectRef", "ActorHandle", "ActorClass",
           "RemoteFunction", "RuntimeContext", "cross_language", "exceptions", "util"]
