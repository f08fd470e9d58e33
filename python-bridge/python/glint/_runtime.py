"""Calls from Python into the Java core worker of the process, through an FFM upcall."""
import ctypes

from glint import _values

_call = None
mode = None  # "worker" inside a Glint worker, "driver" once glint.init() ran here
_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]
_UPCALL = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p, ctypes.c_long, ctypes.POINTER(ctypes.c_long))


from glint.exceptions import GlintError  # noqa: E402,F401 - its historical home


def connect(address, as_mode="worker"):
    global _call, mode
    _call = _UPCALL(address)
    mode = as_mode


def _request(op, **fields):
    if _call is None:
        from glint.exceptions import NotInitializedError
        raise NotInitializedError("NotInitialized", "Glint is not initialized: call glint.init() first")
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
        from glint.exceptions import from_reply
        raise from_reply(reply["error"])
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
