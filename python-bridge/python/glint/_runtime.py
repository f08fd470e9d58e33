"""Calls from Python into the Java core worker of the process, through an FFM upcall."""
import ctypes

from glint import _values

_call = None
_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]
_UPCALL = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p, ctypes.c_long, ctypes.POINTER(ctypes.c_long))


class GlintError(Exception):
    """A failure reported by Glint; `type` names the original exception type."""

    def __init__(self, type_name, message, remote_traceback=""):
        super().__init__(f"{type_name}: {message}")
        self.type = type_name
        self.remote_traceback = remote_traceback


def connect(address):
    global _call
    _call = _UPCALL(address)


def _request(op, **fields):
    if _call is None:
        raise RuntimeError("glint is only available inside a Glint worker (no Java runtime here)")
    fields["op"] = op
    released = _values.take_released()
    if released:
        fields["released"] = released
    req = _values.pack(fields)
    out_len = ctypes.c_long(0)
    ptr = _call(req, len(req), ctypes.byref(out_len))
    try:
        data = ctypes.string_at(ptr, out_len.value)
    finally:
        _libc.free(ptr)
    reply = _values.unpack(data)
    if "error" in reply:
        e = reply["error"]
        raise GlintError(e.get("type", "GlintError"), e.get("message", ""), e.get("traceback", ""))
    return reply.get("ok")


def get(ref_or_refs, timeout=None):
    """The value of an ObjectRef (or a list of them), waiting for it."""
    if isinstance(ref_or_refs, list):
        return [get(r, timeout) for r in ref_or_refs]
    return _request("get", ref=ref_or_refs, timeout_ms=-1 if timeout is None else int(timeout * 1000))


def put(value):
    """Stores a value and returns its ObjectRef."""
    return _request("put", value=value)


def wait(refs, num_returns=1, timeout=None):
    """(ready, not_ready) once num_returns refs are ready or timeout seconds passed."""
    r = _request("wait", refs=list(refs), num_returns=num_returns,
                 timeout_ms=-1 if timeout is None else int(timeout * 1000))
    return r[0], r[1]
