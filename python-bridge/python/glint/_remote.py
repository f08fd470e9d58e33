"""Ray's ``@remote`` on Glint: the caller's own functions and classes run as tasks and actors.

Caller side: ``RemoteFunction``, ``ActorClass``, ``ActorHandle`` and ``ActorMethod``. A function
or class is pickled by value once per cluster session (cloudpickle: ``__main__`` code, closures and
lambdas included) and put in the object store; every call passes that object's ref *inside a list*,
so workers are not handed the bytes again: they read it once and keep the function by its hash.

Worker side: ``run`` (a task), ``new_actor`` and ``ActorBox`` (an actor, whose ``async def``
methods run on an event loop of their own) and ``item`` (one of several return values). Values go
as Glint's formats: scalars as XLANG, numpy arrays and Arrow tables through the store without a
copy, everything else pickled (see ``glint._values.Pickled``).
"""
import asyncio
import hashlib
import inspect
import os
import threading

from glint import _runtime, _values

_INT64 = (-(1 << 63), (1 << 63) - 1)
_LARGE_ARG_BYTES = 100 * 1024  # numpy arguments at least this big are put in the store first

# ------------------------------------------------------------------------------- values


def encode(value):
    """How a Python value crosses to another Python process through Java: as XLANG when
    MessagePack keeps it exactly (so Java code can read it too), numpy arrays and Arrow tables
    through the C Data Interface, everything else pickled."""
    if _plain(value, 0):
        return value
    kind = _values.c_data_kind(value)
    if kind == 2 or kind == 3:
        return value
    return _values.Pickled(value)


def _plain(value, depth):
    """Whether MessagePack round-trips value exactly: None, bool, int64, float, str, bytes, refs,
    and lists and dicts (str or int keys) of those. Tuples, sets and the rest are not."""
    t = type(value)
    if value is None or t is bool or t is float or t is str or t is bytes or t is _values.ObjectRef:
        return True
    if t is int:
        return _INT64[0] <= value <= _INT64[1]
    if depth > 8:
        return False
    if t is list:
        return all(_plain(v, depth + 1) for v in value)
    if t is dict:
        return all((type(k) is str or (type(k) is int and _INT64[0] <= k <= _INT64[1]))
                   and _plain(v, depth + 1) for k, v in value.items())
    return False


def _encode_arg(value):
    """An argument: as encode(); large 1-D numpy arrays and Arrow tables are put in the store
    first (as Ray does with large arguments), so the task reads them without a copy."""
    kind = _values.c_data_kind(value)
    if kind == 3:
        return put_numpy(value) if value.nbytes >= _LARGE_ARG_BYTES else _values.Pickled(value)
    if kind == 2:
        return put_arrow(value)
    return encode(value)


def put_arrow(table):
    """Stores an Arrow table or record batch in Arrow's format (read back without a copy)."""
    return _put_exported("put_arrow", table)


def put_numpy(array):
    """Stores a 1-D numeric numpy array as a flat buffer (read back without a copy)."""
    return _put_exported("put_numpy", array)


def _put_exported(op, value):
    import ctypes
    # struct ArrowArray is 80 bytes and struct ArrowSchema 72 (the C Data Interface); Java takes
    # over what they point to and calls their release callbacks.
    arr = ctypes.create_string_buffer(80)
    schema = ctypes.create_string_buffer(72)
    _values.export_to_c(value, ctypes.addressof(arr), ctypes.addressof(schema))
    return _runtime._request(op, array=ctypes.addressof(arr), schema=ctypes.addressof(schema))


def _call_args(args, kwargs):
    names = list(kwargs)
    return [names, *[_encode_arg(a) for a in args], *[_encode_arg(kwargs[k]) for k in names]]


def _split(kw_names, args):
    if not kw_names:
        return args, {}
    n = len(kw_names)
    return args[:-n], dict(zip(kw_names, args[-n:]))


# ------------------------------------------------------------------------------- options

_TASK_OPTIONS = {"num_cpus", "num_gpus", "resources", "memory", "num_returns", "max_retries",
                 "retry_exceptions", "name", "scheduling_strategy", "runtime_env",
                 "accelerator_type", "max_calls"}
_ACTOR_OPTIONS = {"num_cpus", "num_gpus", "resources", "memory", "max_concurrency", "max_restarts",
                  "max_task_retries", "name", "namespace", "lifetime", "scheduling_strategy",
                  "get_if_exists", "runtime_env", "concurrency_groups", "max_pending_calls"}
_METHOD_OPTIONS = {"num_returns", "name", "concurrency_group"}


def _check_options(options, allowed, what):
    for key, value in options.items():
        if key not in allowed:
            import difflib
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"Invalid option keyword '{key}' for {what}{hint}; valid options: "
                             f"{', '.join(sorted(allowed))}")
        if key in ("num_cpus", "num_gpus", "memory") and value is not None:
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"'{key}' must be a number >= 0, got {value!r}")
        if key == "num_returns" and value is not None:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"'num_returns' must be an int >= 0, got {value!r}")
        if key == "resources" and value is not None:
            if not isinstance(value, dict):
                raise ValueError(f"'resources' must be a dict, got {type(value).__name__}")
            for name in ("CPU", "GPU"):
                if name in value:
                    raise ValueError(f"Use the 'num_{name.lower()}s' option, not resources['{name}']")


def _java_options(options):
    """What Java's PythonCalls reads: Ray's names; strategies and groups as plain data."""
    out = {}
    for key in ("num_cpus", "num_gpus", "memory", "resources", "max_retries", "retry_exceptions",
                "max_concurrency", "max_restarts", "max_task_retries", "name", "namespace",
                "lifetime"):
        if options.get(key) is not None:
            out[key] = options[key]
    if isinstance(out.get("retry_exceptions"), (list, tuple)):
        out["retry_exceptions"] = True
    strategy = options.get("scheduling_strategy")
    if strategy is not None:
        out["scheduling_strategy"] = strategy if isinstance(strategy, str) else strategy._describe()
    return out


# ------------------------------------------------------------------------------- shipped code

_session = [0]  # bumped by glint.init: refs of an earlier cluster are not reused


class _Shipped:
    """A function or class pickled once per session, stored in the object store."""

    def __init__(self, obj, env):
        self.obj = obj
        self.env = env or {}
        self._lock = threading.Lock()
        self._holder = None
        self._session = None

    def holder(self):
        with self._lock:
            if self._holder is None or self._session != _session[0]:
                import cloudpickle
                data = cloudpickle.dumps(self.obj, protocol=5)
                key = hashlib.sha256(data).hexdigest()
                ref = _runtime._request("put", value=data)
                # The ref sits inside a list: workers get it unresolved and read it only once.
                from glint import _driver
                self._holder = [key, [ref], {**_driver._job_env, **self.env}]
                self._session = _session[0]
            return self._holder


def _runtime_env_vars(options):
    env = (options.get("runtime_env") or {}).get("env_vars") or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise ValueError("runtime_env['env_vars'] must map strings to strings")
    return dict(env)


class _ShippedTarget:
    """What a remote function and an actor class share: the user's function or class, its
    options, the shipped pickle, the names it shows, ``options()`` and ``_remote()``."""

    _ALLOWED = frozenset()
    _WHAT = ""

    def __init__(self, target, options, shipped=None):
        _check_options(options, self._ALLOWED, self._WHAT)
        self._target = target
        self._options = options
        self._shipped = shipped or _Shipped(target, _runtime_env_vars(options))
        self.__name__ = target.__name__
        self.__qualname__ = getattr(target, "__qualname__", target.__name__)
        self.__module__ = target.__module__
        self.__doc__ = target.__doc__

    def options(self, **options):
        """The same with these options overriding the decorator's."""
        merged = {**self._options, **options}
        shipped = self._shipped if "runtime_env" not in options else None
        return type(self)(self._target, merged, shipped)

    def _remote(self, args=None, kwargs=None, **options):
        """Ray's lower-level form: ``f._remote(args=[...], kwargs={...}, num_cpus=1)``."""
        target = self.options(**options) if options else self
        return target.remote(*(args or ()), **(kwargs or {}))

    def __reduce__(self):
        return (type(self), (self._target, self._options))


class RemoteFunction(_ShippedTarget):
    """A function run as a task: ``f.remote(*args, **kwargs)`` returns an ObjectRef."""

    _ALLOWED = _TASK_OPTIONS
    _WHAT = "a remote function"

    def __init__(self, function, options, shipped=None):
        super().__init__(function, options, shipped)
        self._name = options.get("name") or function.__name__

    def __call__(self, *args, **kwargs):
        raise TypeError(f"Remote functions cannot be called directly. Instead of running "
                        f"'{self.__name__}()', try '{self.__name__}.remote()'.")

    def remote(self, *args, **kwargs):
        from glint import _driver
        _driver.ensure_initialized()
        num_returns = self._options.get("num_returns", 1)
        ref = _runtime._request("submit_py", module="glint._remote", function="run",
                                name=self._name,
                                args=[self._shipped.holder(), num_returns, *_call_args(args, kwargs)],
                                options=_java_options(self._options))
        return _returns(ref, num_returns)


def _returns(ref, num_returns):
    """One ref, or num_returns refs: each picks its item of the task's sequence result."""
    if num_returns == 1:
        return ref
    if num_returns == 0:
        return None
    return [_runtime._request("submit_py", module="glint._remote", function="item",
                              name="item", args=[ref, i], options={"num_cpus": 0})
            for i in range(num_returns)]


class ActorClass(_ShippedTarget):
    """A class whose instances are actors: ``Cls.remote(*args)`` returns an ActorHandle."""

    _ALLOWED = _ACTOR_OPTIONS
    _WHAT = "an actor class"

    def __init__(self, cls, options, shipped=None):
        super().__init__(cls, options, shipped)
        functions = inspect.getmembers(cls, inspect.isfunction)
        self._is_async = any(inspect.iscoroutinefunction(m) for _, m in functions)
        # @glint.method(num_returns=...) defaults, per method
        self._method_options = {n: dict(m.__glint_method_options__) for n, m in functions
                                if hasattr(m, "__glint_method_options__")}

    def __call__(self, *args, **kwargs):
        raise TypeError(f"Actors cannot be instantiated directly. Instead of '{self.__name__}()', "
                        f"use '{self.__name__}.remote()'.")

    def remote(self, *args, **kwargs):
        from glint import _driver
        _driver.ensure_initialized()
        options = dict(self._options)
        if options.get("get_if_exists") and options.get("name"):
            found = _runtime._request("get_actor", name=options["name"],
                                      namespace=options.get("namespace"))
            if found is not None:
                return ActorHandle(found, self.__name__, self._method_options)
        if self._is_async and options.get("max_concurrency") is None:
            options["max_concurrency"] = 1000  # Ray's default for async actors
        actor_id = _runtime._request("create_py_actor", module="glint._remote", cls="new_actor",
                                     name=self.__name__,
                                     args=[self._shipped.holder(), *_call_args(args, kwargs)],
                                     options=_java_options(options))
        return ActorHandle(actor_id, self.__name__, self._method_options)


class ActorHandle:
    """A handle to an actor: ``handle.method.remote(*args)`` returns an ObjectRef. Handles can be
    passed to tasks and other actors."""

    def __init__(self, actor_id, class_name="", method_options=None):
        self._actor_id = actor_id
        self._class_name = class_name
        self._method_options = method_options or {}

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return ActorMethod(self, name, self._method_options.get(name, {}))

    def __reduce__(self):
        return (ActorHandle, (self._actor_id, self._class_name, self._method_options))

    def __eq__(self, other):
        return isinstance(other, ActorHandle) and other._actor_id == self._actor_id

    def __hash__(self):
        return hash(self._actor_id)

    def __repr__(self):
        return f"Actor({self._class_name}, {self._actor_id[:16]})"


class ActorMethod:
    def __init__(self, handle, name, options):
        self._handle = handle
        self._name = name
        self._options = options

    def __call__(self, *args, **kwargs):
        raise TypeError(f"Actor methods cannot be called directly. Instead of running "
                        f"'{self._name}()', try '{self._name}.remote()'.")

    def options(self, **options):
        _check_options(options, _METHOD_OPTIONS, "an actor method")
        return ActorMethod(self._handle, self._name, {**self._options, **options})

    def remote(self, *args, **kwargs):
        num_returns = self._options.get("num_returns", 1)
        display = self._options.get("name") or f"{self._handle._class_name}.{self._name}"
        ref = _runtime._request("call_py_actor", actor=self._handle._actor_id,
                                method="__glint_call__", name=display,
                                args=[self._name, num_returns, *_call_args(args, kwargs)])
        return _returns(ref, num_returns)


# ------------------------------------------------------------------------------- worker side

_loaded = {}
_load_lock = threading.Lock()


def _load(holder):
    key, (ref,), env = holder
    obj = _loaded.get(key)
    if obj is None:
        with _load_lock:
            obj = _loaded.get(key)
            if obj is None:
                import cloudpickle
                if env:
                    os.environ.update(env)
                obj = cloudpickle.loads(_runtime.get(ref))
                _loaded[key] = obj
    return obj


def _result(value, num_returns):
    if num_returns != 1:
        if num_returns == 0:
            return None
        value = tuple(value)
        if len(value) != num_returns:
            raise ValueError(f"the task declared num_returns={num_returns} but returned "
                             f"{len(value)} values")
        return _values.Pickled(value)
    return encode(value)


def run(holder, num_returns, kw_names, *args):
    """A task: the shipped function applied to its arguments."""
    positional, kwargs = _split(kw_names, args)
    return _result(_load(holder)(*positional, **kwargs), num_returns)


def item(values, index):
    """Return value number ``index`` of a task declared with num_returns > 1."""
    return encode(values[index])


def new_actor(holder, kw_names, *args):
    positional, kwargs = _split(kw_names, args)
    return ActorBox(_load(holder)(*positional, **kwargs))


class ActorBox:
    """An actor instance in a worker. Calls arrive on Java's threads (one, or max_concurrency);
    coroutines run on the actor's own event loop, so ``async def`` methods interleave."""

    def __init__(self, instance):
        self.instance = instance
        self._loop = None
        self._lock = threading.Lock()

    def call(self, args):
        """A call from Python: [method, num_returns, kw_names, *args]; the result pickled."""
        method, num_returns, kw_names, *rest = args
        positional, kwargs = _split(kw_names, rest)
        return _result(self._run(method, positional, kwargs), num_returns)

    def call_plain(self, method, args):
        """A call from Java: plain XLANG arguments, the result as XLANG."""
        return self._run(method, args, {})

    def _run(self, method, positional, kwargs):
        value = getattr(self.instance, method)(*positional, **kwargs)
        if inspect.iscoroutine(value):
            value = asyncio.run_coroutine_threadsafe(value, self._event_loop()).result()
        return value

    def _event_loop(self):
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="glint-actor-loop",
                                 daemon=True).start()
                self._loop = loop
            return self._loop
