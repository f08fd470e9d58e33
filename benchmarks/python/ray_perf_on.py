"""Runs Ray's own `ray microbenchmark` workloads on Ray or on Glint, side by side.

    python ray_perf_on.py <ray's ray/_private/ray_perf.py> ray|glint [out.json]

The workloads are Ray's file itself, read from an installed Ray and executed unchanged except
for four lines: `import ray` becomes `import glint as ray` for Glint, and the Ray-only parts are
left out (the optimized-build check, the Ray Client rows). `timeit` measures as Ray's does (a
1 s warm-up, then 4 runs of 2 s, mean and standard deviation); the pause before each row is 2 s
instead of Ray's 10 s, on both sides. TESTS_TO_RUN=pattern runs a subset, as in Ray.
"""
import json
import os
import sys
import time

import numpy as np

PAUSE_S = float(os.environ.get("GLINT_BENCH_PAUSE_S", "2"))
ONLY = os.environ.get("TESTS_TO_RUN", "")


def timeit(name, fn, multiplier=1, warmup_time_sec=None):
    if ONLY and ONLY not in name:
        return [None]
    time.sleep(PAUSE_S)
    start = time.perf_counter()
    count = 0
    while time.perf_counter() - start < 1:
        fn()
        count += 1
    step = count // 10 + 1
    stats = []
    for _ in range(4):
        start = time.perf_counter()
        count = 0
        while time.perf_counter() - start < 2:
            for _ in range(step):
                fn()
            count += step
        stats.append(multiplier * count / (time.perf_counter() - start))
    mean, sd = float(np.mean(stats)), float(np.std(stats))
    print(name, "per second", round(mean, 2), "+-", round(sd, 2), flush=True)
    return [(name, mean, sd)]


def workloads(path, backend):
    src = open(path).read()
    edits = [
        ("import ray\n", "import glint as ray\n" if backend == "glint" else "import ray\n"),
        ("from ray._private.ray_client_microbenchmark import main as client_microbenchmark_main\n", ""),
        ("from ray._private.ray_microbenchmark_helpers import timeit\n", ""),
        ("    check_optimized_build()\n", ""),
        ("    client_microbenchmark_main(results)\n", ""),
    ]
    for old, new in edits:
        if old not in src:
            raise SystemExit(f"{path} changed: it no longer has {old.strip()!r}; update this runner")
        src = src.replace(old, new, 1)
    return src


def main():
    path, backend = sys.argv[1], sys.argv[2]
    ns = {"__name__": "ray_perf_workloads", "timeit": timeit}
    exec(compile(workloads(path, backend), path, "exec"), ns)
    results = [r for r in ns["main"]() if r]
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w") as f:
            json.dump([{"name": n, "mean": m, "sd": s} for n, m, s in results], f, indent=1)


if __name__ == "__main__":
    main()
