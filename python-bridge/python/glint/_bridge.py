"""The Python half of Glint's embedded interpreter. Java calls these functions through the CPython
C API; every call returns bytes: a status byte (0 ok, 1 error) and a MessagePack payload, or
status 2 (an Arrow table), 3 (a numpy array) or 4 (a numpy matrix) alone: Java then takes the
result with export_pending."""
import importlib
import threading
import traceback

import msgpack

from glint import _values

_actors = {}
_pending = {}  # thread id -> a result that leaves through the Arrow C Data Interface


def _ok(value):
    kind = _values.c_data_kind(value)
    if kind:
        # Arrow tables and numpy arrays leave through export_pending, not as bytes.
        _pending[threading.get_ident()] = value
        return bytes([kind])
    return b"\x00" + _values.pack(value)


def export_pending(array_addr, schema_addr):
    """Exports this thread's last Arrow or numpy result into Java's C Data structures: the
    buffers are handed over, not copied (a numpy array becomes an Arrow array on its memory)."""
    try:
        _values.export_to_c(_pending.pop(threading.get_ident()), array_addr, schema_addr)
        return b"\x00" + _values.pack(None)
    except BaseException as e:  # noqa: BLE001
        return _error(e)


def _error(e):
    return b"\x01" + _values.pack({
        "type": type(e).__name__,
        "module": type(e).__module__,
        "message": str(e),
        "traceback": traceback.format_exc(),
    })


def _args(arg_list):
    return [_values.unpack(a) for a in arg_list]


def _resolve(module, name):
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def call(module, name, arg_list):
    """Calls module.name(*args); each argument arrives MessagePack-encoded on its own."""
    try:
        return _ok(_resolve(module, name)(*_args(arg_list)))
    except BaseException as e:  # noqa: BLE001 - every failure crosses back as data
        return _error(e)


def create_actor(actor_id, module, cls, arg_list):
    try:
        _actors[actor_id] = _resolve(module, cls)(*_args(arg_list))
        return _ok(None)
    except BaseException as e:  # noqa: BLE001
        return _error(e)


def call_actor(actor_id, method, arg_list):
    try:
        actor = _actors[actor_id]
        if type(actor).__name__ == "ActorBox":  # a class of a Python caller (glint._remote)
            if method == "__glint_call__":  # from Python: method, num_returns, kwargs, args
                return _ok(actor.call(_args(arg_list)))
            return _ok(actor.call_plain(method, _args(arg_list)))  # from Java: plain values
        return _ok(getattr(actor, method)(*_args(arg_list)))
    except BaseException as e:  # noqa: BLE001
        return _error(e)


def setup(upcall_address):
    """Called once by Java with the address of its upcall entry point (see glint._runtime)."""
    from glint import _runtime
    _runtime.connect(upcall_address)
    return _ok(None)
