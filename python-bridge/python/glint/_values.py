"""Glint's XLANG value format: MessagePack with ObjectRefs as extension type 1."""
import msgpack

OBJECT_REF_EXT = 1
ARROW_C_DATA_EXT = 2
NUMPY_C_DATA_EXT = 3
HELD_REF_EXT = 4
NUMPY_MATRIX_C_DATA_EXT = 5
TYPED_TEXT_EXT = 6  # [tag, text]: UUIDs, decimals and date/time values in their natural types
PICKLE_EXT = 7  # a pickled Python object: the array [ext 7, ref, ref, ...] holds its ObjectRefs

_released = []  # handles of held refs Python collected; Java takes them (see take_released)


class ObjectRef:
    """A reference to an object in the Glint cluster; opaque to Python code. Pass it to tasks,
    or read it with glint.get(). The object stays alive while the ref does."""

    __slots__ = ("_data", "_handle")

    def __init__(self, data: bytes, handle=None):
        self._data = bytes(data)
        self._handle = handle

    def __del__(self):
        # The Java side keeps the ref for this handle until told (appending is atomic).
        if self._handle is not None:
            _released.append(self._handle)

    def __eq__(self, other):
        return isinstance(other, ObjectRef) and other._data == self._data

    def __hash__(self):
        return hash(self._data)

    def __repr__(self):
        return f"ObjectRef({self._data[:8].hex()}...)"

    def future(self):
        """A concurrent.futures.Future of the value."""
        return _getter_pool().submit(_get, self)

    def __await__(self):
        """``await ref`` in asyncio code: the value, without blocking the event loop."""
        import asyncio
        return asyncio.wrap_future(self.future()).__await__()


_pool = None


def _getter_pool():
    global _pool
    if _pool is None:
        import concurrent.futures
        _pool = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="glint-get")
    return _pool


def _get(ref):
    from glint import _runtime
    return _runtime.get(ref)


class Pickled:
    """A value for another Python process, pickled with cloudpickle. It travels as the XLANG array
    [PICKLE_EXT(bytes), ref_0, ref_1, ...]: ObjectRefs inside it are pickled as their index in that
    array, so Java sees (and counts) them like any ref inside a value."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class _PickleData:
    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


_pickler_class = None


def _dumps(value):
    global _pickler_class
    import io
    if _pickler_class is None:
        import cloudpickle

        class _RefPickler(cloudpickle.Pickler):
            def persistent_id(self, obj):
                if type(obj) is ObjectRef:
                    self.refs.append(obj)
                    return len(self.refs) - 1
                return None

        _pickler_class = _RefPickler
    buf = io.BytesIO()
    p = _pickler_class(buf, protocol=5)
    p.refs = []
    p.dump(value)
    return buf.getvalue(), p.refs


def _loads(data, refs):
    import io
    import pickle

    class _RefUnpickler(pickle.Unpickler):
        def persistent_load(self, pid):
            return refs[pid]

    return _RefUnpickler(io.BytesIO(data)).load()


def _list_hook(items):
    if items and type(items[0]) is _PickleData:
        return _loads(items[0].data, items[1:])
    return items


def _typed(tag, text):
    return msgpack.ExtType(TYPED_TEXT_EXT, msgpack.packb([tag, text], use_bin_type=True))


def _typed_default(obj):
    """The TYPED_TEXT_EXT of a uuid, Decimal or datetime value; None for anything else."""
    import datetime
    import decimal
    import uuid
    if isinstance(obj, uuid.UUID):
        return _typed("uuid", str(obj))
    if isinstance(obj, decimal.Decimal):
        return _typed("decimal", str(obj))
    if isinstance(obj, datetime.datetime):
        if obj.tzinfo is None:
            return _typed("datetime", obj.isoformat())
        return _typed("offset_datetime", obj.isoformat())
    if isinstance(obj, datetime.date):
        return _typed("date", obj.isoformat())
    if isinstance(obj, datetime.time):
        return _typed("time", obj.isoformat())
    if isinstance(obj, datetime.timedelta):
        return _typed("duration", str(decimal.Decimal(obj.days * 86400 + obj.seconds)
                                      + decimal.Decimal(obj.microseconds).scaleb(-6)))
    return None


def _from_typed(data):
    import datetime
    import decimal
    import uuid
    tag, text = msgpack.unpackb(data, raw=False)
    if tag == "uuid":
        return uuid.UUID(text)
    if tag == "decimal":
        return decimal.Decimal(text)
    if tag == "date":
        return datetime.date.fromisoformat(text)
    if tag == "time":
        return datetime.time.fromisoformat(_micros(text))
    if tag == "datetime":
        return datetime.datetime.fromisoformat(_micros(text))
    if tag in ("instant", "offset_datetime"):
        return datetime.datetime.fromisoformat(_micros(text.replace("Z", "+00:00")))
    if tag == "duration":
        return datetime.timedelta(seconds=float(decimal.Decimal(text)))
    raise ValueError(f"unknown typed value {tag!r}")


def _micros(text):
    """ISO text with at most 6 fractional digits (Python's datetime has microseconds)."""
    import re
    return re.sub(r"(\.\d{6})\d+", r"\1", text)


def _default(obj):
    if isinstance(obj, ObjectRef):
        return msgpack.ExtType(OBJECT_REF_EXT, obj._data)
    if type(obj) is Pickled:
        data, refs = _dumps(obj.value)
        return [msgpack.ExtType(PICKLE_EXT, data), *refs]
    typed = _typed_default(obj)
    if typed is not None:
        return typed
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if hasattr(obj, "tolist"):  # numpy scalars and small arrays
        return obj.tolist()
    raise TypeError(f"Cannot send a value of type {type(obj).__module__}.{type(obj).__qualname__} to Java")


def take_released():
    """The handles released since the last call, for Java to drop."""
    global _released
    taken, _released = _released, []
    return taken


def _ext_hook(code, data):
    if code == OBJECT_REF_EXT:
        return ObjectRef(data)
    if code == TYPED_TEXT_EXT:
        return _from_typed(data)
    if code == PICKLE_EXT:
        return _PickleData(data)
    if code == NUMPY_MATRIX_C_DATA_EXT:
        # A Java matrix (double[][], ...) exported as a fixed-size list of rows: a read-only
        # two-dimensional numpy array on the exported memory.
        import struct
        import pyarrow as pa
        array_addr, schema_addr = struct.unpack("<QQ", data)
        rows = pa.Array._import_from_c(array_addr, schema_addr)
        flat = rows.flatten().to_numpy(zero_copy_only=True)
        return flat.reshape(len(rows), rows.type.list_size)
    if code == HELD_REF_EXT:
        import struct
        return ObjectRef(data[8:], struct.unpack("<q", data[:8])[0])
    if code == ARROW_C_DATA_EXT:
        # An Arrow record batch exported by Java through the C Data Interface: import it in place.
        import struct
        import pyarrow as pa
        array_addr, schema_addr = struct.unpack("<QQ", data)
        return pa.Table.from_batches([pa.RecordBatch._import_from_c(array_addr, schema_addr)])
    if code == NUMPY_C_DATA_EXT:
        # Numeric Java data (a double[], a DoubleBuffer, ...) exported as an Arrow array over the
        # store's mapping: a read-only numpy array on the same memory.
        import struct
        import pyarrow as pa
        array_addr, schema_addr = struct.unpack("<QQ", data)
        return pa.Array._import_from_c(array_addr, schema_addr).to_numpy(zero_copy_only=True)
    return msgpack.ExtType(code, data)


def has_pyarrow():
    try:
        import pyarrow  # noqa: F401
        return True
    except ImportError:
        return False


_NUMPY_TO_JAVA = {"i2", "i4", "i8", "f4", "f8"}


def c_data_kind(value):
    """2 for an Arrow table or record batch, 3 for a numpy array Java can take as numeric data
    (one dimension, short/int/long/float/double, contiguous), 4 for such a matrix (two
    dimensions, rows become a Java array of arrays), else 0: how a result crosses."""
    t = type(value)
    if t.__module__.startswith("pyarrow") and t.__name__ in ("Table", "RecordBatch"):
        return 2
    if (t.__module__ == "numpy" and t.__name__ == "ndarray" and value.ndim in (1, 2)
            and value.dtype.kind + str(value.dtype.itemsize) in _NUMPY_TO_JAVA
            and value.dtype.byteorder in "=<|" and value.flags.c_contiguous and has_pyarrow()):
        return 3 if value.ndim == 1 else 4
    return 0


def export_to_c(value, array_addr, schema_addr):
    """Exports an Arrow table or record batch (as one record batch), or a numpy array (a matrix
    as rows of a fixed-size list), into C Data structures: the buffers are handed over, not
    copied; the consumer calls their release callbacks."""
    import pyarrow as pa
    if isinstance(value, pa.Table):
        batches = value.combine_chunks().to_batches()
        value = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=value.schema)
    elif not isinstance(value, pa.RecordBatch):
        if value.ndim == 2:
            value = pa.FixedSizeListArray.from_arrays(pa.array(value.reshape(-1)), value.shape[1])
        else:
            value = pa.array(value)
    value._export_to_c(array_addr, schema_addr)


def pack(value) -> bytes:
    return msgpack.packb(value, use_bin_type=True, default=_default)


def unpack(data: bytes):
    return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook,
                           list_hook=_list_hook)
