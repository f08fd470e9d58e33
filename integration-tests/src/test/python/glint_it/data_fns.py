"""Python steps for Glint Data's integration tests."""
from glint_it.pyfns import _mapped_file


def transform_fn(batch):
    """The seed's transform_fn: z = 2x + y, and where the batch's x column lives in memory (the
    object store's mapping when the batch arrived without a copy)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    x = batch.column("x")
    where = _mapped_file(x.chunk(0).buffers()[1].address)
    z = pc.add(pc.multiply(x, 2.0), batch.column("y"))
    return pa.table({
        "id": batch.column("id"),
        "z": z,
        "batch_rows": pa.array([batch.num_rows] * batch.num_rows, pa.int64()),
        "x_memory": pa.array([where] * batch.num_rows, pa.string()),
    })


def not_a_table(batch):
    return 42
