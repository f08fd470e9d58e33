"""Glint's exceptions, in Ray's shapes and also under Ray's names (``RayTaskError``, ...).

    try:
        glint.get(ref)
    except glint.exceptions.GlintTaskError as e:   # or ray.exceptions.RayTaskError
        print(e.type, e.remote_traceback)

A task's failure is raised as a ``GlintTaskError`` that is also an instance of the remote
exception's class when Python knows it (``except ZeroDivisionError`` works, as in Ray).
"""
import builtins


class GlintError(Exception):
    """A failure reported by Glint. ``type`` names the original exception type, in its own
    language; ``remote_traceback`` is the remote stack trace as text."""

    def __init__(self, type_name="GlintError", message="", remote_traceback="", language="PYTHON"):
        super().__init__(f"{type_name}: {message}" if message else type_name)
        self.type = type_name
        self.message = message
        self.remote_traceback = remote_traceback
        self.language = language

    def __reduce__(self):
        return (type(self), (self.type, self.message, self.remote_traceback, self.language))


class GlintTaskError(GlintError):
    """A task or actor method raised an exception; the remote traceback is part of the text."""

    def __init__(self, type_name="GlintTaskError", message="", remote_traceback="", language="PYTHON",
                 function_name=""):
        super().__init__(type_name, message, remote_traceback, language)
        self.function_name = function_name
        self.cause = None
        self.args = (self._text(),)

    def _text(self):
        body = self.remote_traceback.rstrip() or f"{self.type}: {self.message}"
        return f"glint::{self.function_name}\n{body}" if self.function_name else body

    def __str__(self):
        return self._text()

    def as_instanceof_cause(self):
        """This error as an instance of both GlintTaskError and the remote exception's class
        (when that class is a Python exception Python can find), as Ray's does."""
        cause = _python_class(self.type) if self.language == "PYTHON" else None
        if cause is None or issubclass(cause, GlintTaskError):
            return self
        try:
            cls = _dual_classes.get(cause)
            if cls is None:
                cls = type(f"GlintTaskError({cause.__name__})", (GlintTaskError, cause), {
                    "__init__": _dual_init, "__str__": GlintTaskError.__str__,
                    "__reduce__": GlintTaskError.__reduce__})
                _dual_classes[cause] = cls
            err = cls.__new__(cls)
            GlintTaskError.__init__(err, self.type, self.message, self.remote_traceback,
                                    self.language, self.function_name)
            err.cause = self
            return err
        except TypeError:  # a class that cannot be a base (final, layout conflict)
            return self

    def __reduce__(self):
        return (GlintTaskError, (self.type, self.message, self.remote_traceback, self.language,
                                 self.function_name))


def _dual_init(self, *args):
    GlintTaskError.__init__(self, *args)


_dual_classes = {}


def _python_class(name):
    """The exception class a Python type name stands for: builtins, or module.Class."""
    cls = getattr(builtins, name, None)
    if cls is None and "." in name:
        import importlib
        module, _, qual = name.rpartition(".")
        try:
            cls = importlib.import_module(module)
            for part in qual.split("."):
                cls = getattr(cls, part)
        except Exception:  # noqa: BLE001 - not importable here: no dual class
            return None
    return cls if isinstance(cls, type) and issubclass(cls, BaseException) else None


class GetTimeoutError(GlintError, TimeoutError):
    """glint.get or glint.wait ran past its timeout."""


class ActorDiedError(GlintError):
    """The actor died (killed, crashed, or out of restarts) before or while running the call."""


class ActorUnavailableError(GlintError):
    """The actor cannot answer now (restarting)."""


class TaskCancelledError(GlintError):
    """The task was cancelled with glint.cancel."""


class WorkerCrashedError(GlintError):
    """The worker process running the task died."""


class ObjectLostError(GlintError):
    """Every copy of the object was lost and it could not be reconstructed."""


class OutOfMemoryError(GlintError):
    """The node ran low on memory and killed the worker running the task."""


class ObjectStoreFullError(GlintError):
    """The object store has no room for the object, even after spilling."""


class NotInitializedError(GlintError, RuntimeError):
    """Glint is not initialized in this process."""


_BY_KIND = {
    "GetTimeoutException": GetTimeoutError,
    "ActorDiedFailure": ActorDiedError,
    "TaskCancelledFailure": TaskCancelledError,
    "WorkerCrashedFailure": WorkerCrashedError,
    "ObjectLostFailure": ObjectLostError,
    "OutOfMemoryFailure": OutOfMemoryError,
    "ObjectStoreFullException": ObjectStoreFullError,
    "NotInitializedException": NotInitializedError,
}

# Java exceptions that mean "bad input": raised as the Python exception a caller expects.
_JAVA_INPUT_ERRORS = {
    "java.lang.IllegalArgumentException": ValueError,
    "java.lang.IllegalStateException": RuntimeError,
    "java.lang.NullPointerException": ValueError,
}


def from_reply(err):
    """The exception for an error reply of the Java runtime (see PythonRuntime.errorReply)."""
    kind = err.get("kind", "")
    type_name = err.get("type", "GlintError")
    message = err.get("message", "")
    trace = err.get("traceback", "")
    language = err.get("language", "JAVA")
    if kind == "TaskFailure":
        # "Task <name> (pid=N) failed with <type>: <message>"
        summary = err.get("summary", "")
        where = ""
        if summary.startswith("Task ") and " failed with " in summary:
            where = summary[len("Task "):summary.index(" failed with ")]
        return GlintTaskError(type_name, message, trace, language, where).as_instanceof_cause()
    cls = _BY_KIND.get(kind)
    if cls is not None:
        return cls(type_name, message, trace, language)
    plain = _JAVA_INPUT_ERRORS.get(type_name)
    if plain is not None:
        exc = plain(message)
        exc.remote_traceback = trace  # the Java stack trace, for a bug report
        return exc
    return GlintError(type_name, message, trace, language)


# Ray's names, so `from glint.exceptions import RayTaskError` reads like Ray code.
RayError = GlintError
RayTaskError = GlintTaskError
RayActorError = ActorDiedError
ActorError = ActorDiedError
TaskCancelledError = TaskCancelledError
ObjectStoreFullError = ObjectStoreFullError
RaySystemError = GlintError
