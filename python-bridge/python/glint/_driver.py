"""glint.init / glint.shutdown for a Python driver: the JVM starts in this process (glint._jvm),
and Glint's Java runtime starts or joins a cluster with this process as the driver."""
import atexit
import glob
import os
import sys
import threading

from glint import _jvm, _remote, _runtime

_lock = threading.RLock()
_info = None
_atexit_registered = False
_job_env = {}


class GlintContext(dict):
    """What glint.init returns (Ray's RayContext): a dict with attributes, and a context manager
    that shuts Glint down on exit."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutdown()
        return False

    def disconnect(self):
        shutdown()


def glint_home():
    """An unpacked Glint distribution (the directory with lib/): GLINT_HOME, the distribution
    this package was installed from, or a built source tree."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates = []
    if os.environ.get("GLINT_HOME"):
        candidates.append(os.environ["GLINT_HOME"])
    try:
        from glint import _home  # written into the wheel by the build
        candidates.append(_home.GLINT_HOME)
    except ImportError:
        pass
    candidates.append(os.path.dirname(here))  # <dist>/python/glint
    # python-bridge/python/glint in a source tree whose dist module was built
    candidates.extend(sorted(glob.glob(os.path.join(here, "..", "..", "dist", "target", "glint-*", ""))))
    for home in candidates:
        if home and glob.glob(os.path.join(home, "lib", "glint-core-runtime-*.jar")):
            return os.path.abspath(home)
    raise RuntimeError(
        "Cannot find Glint's runtime jars: set GLINT_HOME to an unpacked Glint distribution (the "
        "directory holding lib/ and bin/glint; build one with ./mvnw install -pl dist -am)"
        + (f"; GLINT_HOME={os.environ['GLINT_HOME']} has no lib/glint-core-runtime-*.jar"
           if os.environ.get("GLINT_HOME") else ""))


def _driver_python_path():
    """Where workers on this machine find the driver's own modules (Ray gives workers the
    driver's sys.path[0]): the script's directory, and the current one."""
    paths = [os.path.abspath((sys.path[0] if sys.path else "") or os.getcwd()), os.getcwd()]
    return [p for p in dict.fromkeys(paths) if os.path.isdir(p)]


def _packages(runtime_env):
    """runtime_env's working_dir and py_modules: packaged and shipped to every node."""
    env = runtime_env or {}
    paths = []
    if env.get("working_dir"):
        wd = os.path.abspath(env["working_dir"])
        if not os.path.isdir(wd):
            raise ValueError(f"runtime_env['working_dir'] {env['working_dir']!r} is not a directory")
        paths.append(wd)
    modules = env.get("py_modules") or []
    if modules:
        # Each module (a package directory or a .py file) is copied into one staging directory,
        # which is packaged: only the modules travel, not the directories around them.
        import shutil
        import tempfile
        staging = tempfile.mkdtemp(prefix="glint-py-modules-")
        _staging.append(staging)
        for m in modules:
            path = os.path.abspath(getattr(m, "__file__", None) or m)
            if path.endswith("__init__.py"):
                path = os.path.dirname(path)
            if not os.path.exists(path):
                raise ValueError(f"runtime_env['py_modules'] entry {m!r} does not exist")
            target = os.path.join(staging, os.path.basename(path))
            if os.path.isdir(path):
                shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(path, target)
        paths.append(staging)
    return list(dict.fromkeys(paths))


_staging = []  # py_modules staging directories, removed at shutdown


_KNOWN_RUNTIME_ENV = {"working_dir", "py_modules", "env_vars"}
_IGNORED_INIT_ARGS = {"logging_level", "logging_format", "configure_logging", "_temp_dir",
                      "dashboard_host", "_system_config", "_metrics_export_port",
                      "_node_ip_address"}


class JobConfig:
    """Ray's ``JobConfig``, for ``code_search_path``: directories and jars with the Java classes
    this job calls through ``glint.cross_language``."""

    def __init__(self, code_search_path=None, **_ignored):
        self.code_search_path = [os.path.abspath(p) for p in (code_search_path or [])]
        for p in self.code_search_path:
            if not os.path.exists(p):
                raise ValueError(f"code_search_path entry {p} does not exist")


def init(address=None, *, num_cpus=None, num_gpus=None, resources=None, object_store_memory=None,
         namespace=None, runtime_env=None, ignore_reinit_error=False, include_dashboard=None,
         log_to_driver=True, job_config=None, dashboard_port=None, **kwargs):
    """Starts an embedded local cluster, or joins one (``address="host:port"``, or ``"auto"``
    for GLINT_ADDRESS), with this process as the driver. Ray's ``ray.init`` arguments."""
    global _info, _atexit_registered, _job_env
    unknown = set(kwargs) - _IGNORED_INIT_ARGS
    if unknown:
        raise TypeError(f"init() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    with _lock:
        if _runtime.mode == "worker":
            return GlintContext(_runtime._request("runtime_context"))
        if _info is not None:
            if ignore_reinit_error:
                return _info
            raise RuntimeError("Maybe you called glint.init twice by accident? This error can be "
                               "suppressed by passing ignore_reinit_error=True, or by calling "
                               "glint.shutdown() before glint.init() again.")
        env = dict(runtime_env or {})
        bad = set(env) - _KNOWN_RUNTIME_ENV
        if bad:
            raise ValueError(f"runtime_env fields {sorted(bad)} are not supported; Glint supports "
                             f"{sorted(_KNOWN_RUNTIME_ENV)}")
        if address == "auto":
            address = os.environ.get("GLINT_ADDRESS") or os.environ.get("RAY_ADDRESS")
            if not address:
                raise ConnectionError("address='auto' but GLINT_ADDRESS is not set: start a cluster "
                                      "with `glint start --head` and export its address")
        if resources is not None and ("CPU" in resources or "GPU" in resources):
            raise ValueError("Use the 'num_cpus' and 'num_gpus' arguments, not resources['CPU'/'GPU']")
        entry = _jvm.start(_classpath())
        _runtime.connect(entry, "driver")
        request = {
            "address": address or os.environ.get("GLINT_ADDRESS"),
            "num_cpus": num_cpus, "num_gpus": num_gpus, "resources": resources,
            "object_store_memory": object_store_memory, "namespace": namespace,
            "include_dashboard": include_dashboard, "log_to_driver": bool(log_to_driver),
            "python_executable": sys.executable,
            "python_path": _driver_python_path(),
            "py_packages": _packages(env),
            "code_search_path": job_config.code_search_path if job_config is not None else None,
            "dashboard_port": dashboard_port,
        }
        info = _runtime._request("init", **{k: v for k, v in request.items() if v is not None})
        _job_env = dict(env.get("env_vars") or {})
        _remote._session[0] += 1
        _info = GlintContext(info or {})
        if not _atexit_registered:
            atexit.register(shutdown)
            _atexit_registered = True
        return _info


def _classpath():
    home = glint_home()
    return sorted(glob.glob(os.path.join(home, "lib", "*.jar")))


def is_initialized():
    return _runtime.mode == "worker" or _info is not None


def ensure_initialized():
    """Ray starts a local cluster at the first remote call when init was not called."""
    if _runtime.mode is None or (_runtime.mode == "driver" and _info is None):
        init()


def shutdown():
    """Stops the embedded cluster (or leaves the joined one); the JVM stays for a later init."""
    global _info
    with _lock:
        if _info is None or _runtime.mode != "driver":
            return
        import gc
        gc.collect()  # refs this program dropped go back before the cluster does
        try:
            _runtime._request("shutdown")
        finally:
            _info = None
            import shutil
            for d in _staging:
                shutil.rmtree(d, ignore_errors=True)
            _staging.clear()
