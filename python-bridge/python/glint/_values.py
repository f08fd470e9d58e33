"""Glint's XLANG value format: MessagePack with ObjectRefs as extension type 1."""
import msgpack

OBJECT_REF_EXT = 1
ARROW_C_DATA_EXT = 2
NUMPY_C_DATA_EXT = 3
HELD_REF_EXT = 4
NUMPY_MATRIX_C_DATA_EXT = 5
TYPED_TEXT_EXT = 6  # [tag, text]: UUIDs, decimals and date/time values in their natural types

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


def pack(value) -> bytes:
    return msgpack.packb(value, use_bin_type=True, default=_default)


def unpack(data: bytes):
    return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook)
