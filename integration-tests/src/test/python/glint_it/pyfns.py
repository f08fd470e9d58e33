"""Python functions and actors used by the Java integration tests."""
import os

import glint


def square(x):
    return x * x


def add(a, b):
    return a + b


def describe(rec):
    """A Java record arrives as a dict; a dict goes back (and can become a record)."""
    return {"name": rec["name"].upper(), "value": rec["value"] * 2}


def total(values):
    return sum(values)


def fail(message):
    raise ValueError(message)


def crash():
    os._exit(3)


def segfault():
    import ctypes
    ctypes.string_at(0)


def crash_once(marker):
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(7)
    return "survived"


def call_java(x):
    """Python calling a Java static method as a remote task."""
    square_fn = glint.cross_language.java_function("io.glint.it.Fns", "square")
    return glint.get(square_fn.remote(x))


def sum_refs(refs):
    """Refs nested in a list stay refs: read them here."""
    return sum(glint.get(r) for r in refs)


def make_ref(value):
    return glint.put(value)


def pid():
    return os.getpid()


class Counter:
    def __init__(self, start=0):
        self.value = start

    def increment(self, by=1):
        self.value += by
        return self.value

    def get(self):
        return self.value

    def pid(self):
        return os.getpid()


def _mapped_file(address):
    """The file mapped at address in this process ('' for anonymous memory). In a node's arena,
    the store entry of the object whose bytes hold the address (<store dir>/<object id>)."""
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            start, end = (int(x, 16) for x in parts[0].split("-"))
            if start <= address < end:
                path = parts[5].strip() if len(parts) == 6 else ""
                if path.endswith("/arena"):
                    return _arena_object(path, address - start + int(parts[2], 16))
                return path
    return ""


def _arena_object(arena, offset):
    import struct
    directory = os.path.dirname(arena)
    for name in os.listdir(directory):
        link = os.path.join(directory, name)
        if not os.path.islink(link) or not os.readlink(link).startswith("arena@"):
            continue
        at = int(os.readlink(link)[len("arena@"):])
        with open(arena, "rb") as f:
            f.seek(at + 8)
            size = struct.unpack("<q", f.read(8))[0]
        if at + 16 <= offset < at + 16 + size:
            return link
    return arena


def arrow_inspect(table):
    """Where the table's data lives, and its sum: proof that Python reads Java's data in place."""
    import pyarrow.compute as pc
    col = table.column("x")
    data = col.chunk(0).buffers()[1]
    return {"file": _mapped_file(data.address), "rows": table.num_rows, "sum": pc.sum(col).as_py()}


def arrow_double(table):
    """A new table with x doubled; it goes back to Java through the C Data Interface."""
    import pyarrow as pa
    import pyarrow.compute as pc
    return pa.table({"x": pc.multiply(table.column("x"), 2)})


def arrow_missing_column(table):
    """Fails: the table has no column y."""
    return table.column("y").to_pylist()


def numpy_inspect(arr):
    """What a Java numeric array is in Python, and where its memory is."""
    return {"type": type(arr).__name__, "dtype": arr.dtype.name,
            "writeable": bool(arr.flags.writeable), "file": _mapped_file(arr.ctypes.data),
            "sum": float(arr.sum())}


def numpy_scaled(arr, k):
    """A new numpy array; it goes back to Java through the C Data Interface."""
    return arr * k


def get_in_place(refs):
    """glint.get of a stored Arrow table and of a stored Java double[] inside a task: both arrive
    as they do as arguments (a pyarrow.Table, a read-only numpy array), on the store's memory."""
    import glint
    table = glint.get(refs[0])
    arr = glint.get(refs[1])
    col = table.column("x")
    return {"table_type": type(table).__name__, "rows": table.num_rows,
            "table_file": _mapped_file(col.chunk(0).buffers()[1].address),
            "array_type": type(arr).__name__, "writeable": bool(arr.flags.writeable),
            "array_file": _mapped_file(arr.ctypes.data), "array_sum": float(arr.sum())}


def put_and_drop(n, size):
    """Stores n large objects (some through a Java task) and drops every ref before returning."""
    java_bytes = glint.cross_language.java_function("io.glint.it.StoreFns", "bytes")
    for i in range(n):
        ref = glint.put(b"x" * size)
        assert len(glint.get(ref)) == size
        java_ref = java_bytes.remote(size, i)
        assert len(glint.get(java_ref)) == size
    return n


class RefHolder:
    """Keeps refs it was given beyond the call that gave them."""

    def __init__(self):
        self.refs = []

    def hold(self, refs):
        self.refs = list(refs)
        return len(self.refs)

    def read(self):
        return sum(len(glint.get(r)) for r in self.refs)

    def drop(self):
        self.refs = []
        return True


def matrix(rows, cols):
    """A two-dimensional numpy array: it reaches Java as rows through the C Data Interface."""
    import numpy as np
    return np.arange(rows * cols, dtype=np.float64).reshape(rows, cols)


def matrix_inspect(m):
    """What a Java double[][] is in Python."""
    if type(m).__name__ != "ndarray":
        return {"type": type(m).__name__}
    return {"type": "ndarray", "shape": list(m.shape), "dtype": m.dtype.name,
            "writeable": bool(m.flags.writeable), "sum": float(m.sum()), "last": float(m[-1, -1])}


def get_matrix(refs):
    """glint.get of a stored Java matrix."""
    return matrix_inspect(glint.get(refs[0]))


def type_names(values):
    """The Python type of each value, and the values back: Java's UUIDs, decimals and java.time
    values arrive as their natural Python types."""
    return {"types": [type(v).__module__ + "." + type(v).__qualname__ for v in values],
            "values": values}


def train_fn(config):
    """The seed's Tune trainable in Python, for Java's Tuner (reports the worker's pid too)."""
    import math
    import os
    from glint import tune
    for epoch in range(config["epochs"]):
        loss = (math.log10(config["lr"]) + 2) ** 2 + config["batch_size"] / 1000 + 1 / (epoch + 1)
        tune.report({"loss": loss, "pid": os.getpid()})
