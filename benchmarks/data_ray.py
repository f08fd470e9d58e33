"""Ray Data's side of the data benchmark: the same files, the same transform_fn, 2 CPUs and a
512 MiB object store. Prints `<metric> per second <rows/s> +- 0.0` lines.

Usage: data_ray.py DIR OUT
"""
import os
import sys
import time

import ray

HERE = os.path.dirname(os.path.abspath(__file__))


def line(metric, rows, fn):
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    print(f"{metric} per second {rows / dt:.1f} +- 0.0", flush=True)


def main(src, out):
    cpus = int(os.environ.get("BENCH_CPUS", "2"))
    store = int(os.environ.get("BENCH_STORE_MIB", "512")) << 20
    ray.init(num_cpus=cpus, object_store_memory=store, include_dashboard=False,
             runtime_env={"env_vars": {"PYTHONPATH": os.path.join(HERE, "python")}})
    sys.path.insert(0, os.path.join(HERE, "python"))
    from data_bench_fns import transform_fn

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    rows = ray.data.read_parquet(src).count()
    # Warm-up: workers started and the function imported, as in Glint's twin.
    ray.data.read_parquet(src).limit(1000).map_batches(transform_fn, batch_format="pyarrow").count()
    def read():
        ds = ray.data.read_parquet(src).materialize()
        assert ds.count() == rows

    line("read_parquet", rows, read)
    line("read->map_batches->write", rows,
         lambda: ray.data.read_parquet(src)
         .map_batches(transform_fn, batch_size=1000, batch_format="pyarrow")
         .write_parquet(os.path.join(out, "py")))

    def shuffle():
        ds = ray.data.read_parquet(src).random_shuffle(seed=1).materialize()
        assert ds.count() == rows

    line("random_shuffle", rows, shuffle)
    ray.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
