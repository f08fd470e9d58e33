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


def seed_pipeline(src, dst):
    """The seed's Ray Data example, as written (glint.data for ray.data)."""
    import glint.data

    ds = glint.data.read_parquet(src)
    ds = ds.map_batches(transform_fn, batch_size=1000)
    return ds.write_parquet(dst)


def python_names(src):
    """More of Ray Data's names from Python: counts, sorting, grouping, taking rows."""
    import glint.data

    ds = glint.data.read_parquet(src, columns=["id", "y"])
    top = ds.sort("id", descending=True).limit(3).take_all()
    groups = glint.data.from_items([{"k": i % 2, "v": i} for i in range(10)]).groupby("k").sum("v")
    return {
        "count": ds.count(),
        "schema": ds.schema()["names"],
        "top": [r["id"] for r in top],
        "sums": [(r["k"], r["sum(v)"]) for r in groups.take_all()],
        "range": glint.data.range(5).take(2),
    }


def bad_step(src):
    import glint.data

    class Model:  # an actor pool: not offered from Python yet
        def __call__(self, batch):
            return batch

    return glint.data.read_parquet(src).map_batches(Model).count()
