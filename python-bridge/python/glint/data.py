"""Glint Data with Ray Data's names, over Glint's Java engine.

    import glint.data
    ds = glint.data.read_parquet("s3://bucket/data/")
    ds = ds.map_batches(transform_fn, batch_size=1000)
    ds.write_parquet("s3://bucket/output/")

A dataset here is a plan; consumers (write_parquet, take, count, ...) run it as one Java task that
streams blocks through the object store. Functions given to map_batches receive each batch as a
pyarrow.Table on the store's memory and return a pyarrow.Table, RecordBatch or dict of columns;
a module's functions are found by name, lambdas and the driver script's own functions are
shipped by value (cloudpickle).
"""
from glint import _runtime
from glint.cross_language import java_function

_RUN = ("io.glint.data.python.PyDatasets", "run")


def _fn_name(fn):
    """How workers find a map_batches function: by module and name when it is importable, else
    (a lambda, a closure, a function of the driver script) shipped by value with cloudpickle."""
    if isinstance(fn, type):
        raise TypeError(
            "map_batches with a class (an actor pool) is not supported from Python yet; pass a "
            "function")
    if not callable(fn):
        raise TypeError("map_batches needs a function, got %r" % (fn,))
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None)
    if module and name and "<lambda>" not in name and "<locals>" not in name and module != "__main__":
        return module, name
    import base64
    import cloudpickle
    data = cloudpickle.dumps(fn)
    if len(data) > _MAX_SHIPPED:
        raise TypeError(
            "map_batches: %r pickles to %d bytes (it captures large objects); define it at the top "
            "of a module, or put the large objects in the store and pass refs" % (fn, len(data)))
    return "glint.data_udf", "shipped:" + base64.b64encode(data).decode("ascii")


_MAX_SHIPPED = 1 << 20


class Dataset:
    def __init__(self, source, ops=()):
        self._source = source
        self._ops = list(ops)

    def _then(self, op):
        return Dataset(self._source, self._ops + [op])

    def _spec(self, action=None):
        spec = {"source": self._source, "ops": self._ops}
        if action is not None:
            spec["action"] = action
        return spec

    def _run(self, action):
        cls, method = _RUN
        return _runtime.get(java_function(cls, method).remote(self._spec(action)))

    # transformations (lazy)
    def map_batches(self, fn, *, batch_size=None, batch_format="pyarrow", **unsupported):
        if batch_format not in ("pyarrow", "default"):
            raise ValueError("batch_format %r is not supported; batches are pyarrow tables"
                             % batch_format)
        if unsupported:
            raise TypeError("map_batches: unsupported arguments %s" % sorted(unsupported))
        module, name = _fn_name(fn)
        return self._then({"op": "map_batches", "module": module, "function": name,
                           "batch_size": batch_size})

    def random_shuffle(self, *, seed=None):
        return self._then({"op": "random_shuffle", "seed": seed})

    def repartition(self, num_blocks):
        return self._then({"op": "repartition", "num_blocks": num_blocks})

    def sort(self, key, descending=False):
        return self._then({"op": "sort", "key": key, "descending": descending})

    def limit(self, n):
        return self._then({"op": "limit", "n": n})

    def select_columns(self, cols):
        return self._then({"op": "select_columns", "cols": list(cols)})

    def drop_columns(self, cols):
        return self._then({"op": "drop_columns", "cols": list(cols)})

    def groupby(self, key):
        return GroupedData(self, key)

    def union(self, *others):
        return self._then({"op": "union", "others": [o._spec() for o in others]})

    def zip(self, other):
        return self._then({"op": "zip", "other": other._spec()})

    # consumers (run the plan)
    def write_parquet(self, path):
        return self._run({"kind": "write_parquet", "path": path})

    def write_csv(self, path):
        return self._run({"kind": "write_csv", "path": path})

    def write_json(self, path):
        return self._run({"kind": "write_json", "path": path})

    def take(self, limit=20):
        return self._run({"kind": "take", "n": limit})

    def take_all(self):
        return self._run({"kind": "take_all"})

    def count(self):
        return self._run({"kind": "count"})

    def schema(self):
        return self._run({"kind": "schema"})

    def explain(self):
        return self._run({"kind": "explain"})

    def __repr__(self):
        return "Dataset(%s, %d operations)" % (self._source.get("kind"), len(self._ops))


class GroupedData:
    def __init__(self, ds, key):
        self._ds = ds
        self._key = key

    def _agg(self, *aggs):
        return self._ds._then({"op": "groupby", "key": self._key, "aggs": [list(a) for a in aggs]})

    def count(self):
        return self._agg(("count", None))

    def sum(self, on):
        return self._agg(("sum", on))

    def mean(self, on):
        return self._agg(("mean", on))

    def min(self, on):
        return self._agg(("min", on))

    def max(self, on):
        return self._agg(("max", on))


def _paths(paths):
    return [paths] if isinstance(paths, str) else list(paths)


def read_parquet(paths, *, columns=None):
    return Dataset({"kind": "read_parquet", "paths": _paths(paths),
                    "columns": list(columns) if columns else None})


def read_csv(paths):
    return Dataset({"kind": "read_csv", "paths": _paths(paths)})


def read_json(paths):
    return Dataset({"kind": "read_json", "paths": _paths(paths)})


def range(n):  # noqa: A001 - Ray's name
    return Dataset({"kind": "range", "n": n})


def from_items(items):
    return Dataset({"kind": "from_items", "items": list(items)})
