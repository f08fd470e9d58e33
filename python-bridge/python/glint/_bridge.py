"""The Python half of Glint's embedded interpreter. Java calls these functions through the CPython
C API; every call returns bytes: a status byte (0 ok, 1 error) and a MessagePack payload."""
import importlib
import threading
import traceback

import msgpack

from glint import _values

_actors = {}
_pending = threading.local()


def _ok(value):
    if _values.is_arrow(value):
        # Arrow results leave through the C Data Interface (export_pending), not as bytes.
        _pending.value = value
        return b"\x02"
    return b"\x00" + _values.pack(value)


def export_pending(array_addr, schema_addr):
    """Exports the last Arrow result of this thread into Java's C Data structures (no copy)."""
    try:
        import pyarrow as pa
        value = _pending.value
        _pending.value = None
        if isinstance(value, pa.Table):
            batches = value.combine_chunks().to_batches()
            value = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=value.schema)
        value._export_to_c(array_addr, schema_addr)
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
        return _ok(getattr(_actors[actor_id], method)(*_args(arg_list)))
    except BaseException as e:  # noqa: BLE001
        return _error(e)


def setup(upcall_address):
    """Called once by Java with the address of its upcall entry point (see glint._runtime)."""
    from glint import _runtime
    _runtime.connect(upcall_address)
    return _ok(None)
