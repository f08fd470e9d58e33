"""Runs a user's Python function over the batches of one Glint Data block.

Glint Data's ``mapBatches(PyFunction, batch_size)`` calls ``map_batches`` in a task: the block
arrives as a ``pyarrow.Table`` on the object store's memory, each batch is a zero-copy slice of it,
and the function's tables are concatenated into the block the task returns.
"""
import importlib


_shipped = {}


def _resolve(module, function):
    if function.startswith("shipped:"):  # pickled by value (see glint.data._fn_name)
        fn = _shipped.get(function)
        if fn is None:
            import base64
            import cloudpickle
            fn = cloudpickle.loads(base64.b64decode(function[len("shipped:"):]))
            if len(_shipped) > 64:
                _shipped.clear()
            _shipped[function] = fn
        return fn
    mod = importlib.import_module(module)
    fn = mod
    for part in function.split("."):
        fn = getattr(fn, part)
    return fn


def map_batches(table, module, function, batch_size):
    import pyarrow as pa

    fn = _resolve(module, function)
    function = getattr(fn, "__qualname__", function)  # a name for errors, not the pickle
    size = int(batch_size) if batch_size else 0
    if size <= 0 or size >= table.num_rows:
        return _as_table(fn(table), function)
    outs = [_as_table(fn(table.slice(start, size)), function)
            for start in range(0, table.num_rows, size)]
    return pa.concat_tables(outs)


def _as_table(value, function):
    import pyarrow as pa

    if isinstance(value, pa.Table):
        return value
    if isinstance(value, pa.RecordBatch):
        return pa.Table.from_batches([value])
    if isinstance(value, dict):
        return pa.table(value)
    raise TypeError(
        "%s returned %s; a mapBatches function returns a pyarrow.Table, a RecordBatch or a dict "
        "of columns" % (function, type(value).__name__))
