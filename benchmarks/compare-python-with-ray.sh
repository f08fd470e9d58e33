#!/usr/bin/env bash
# Python on Glint against Python on Ray: Ray's own `ray microbenchmark` workloads
# (ray/_private/ray_perf.py of the Ray in build/ray-venv), run by benchmarks/python/ray_perf_on.py
# on each, back to back on this machine, then the seed's Tune example (benchmarks/python/tune_seed.py);
# prints Markdown tables for BENCHMARKS.md.
# Needs ./scripts/quickstart (Glint and build/venv) and build/ray-venv (pip install "ray[tune]" numpy).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
glint_find_jdk
RAY_PY=${RAY_PY:-build/ray-venv/bin/python}
PERF=$("$RAY_PY" -c "import ray._private.ray_perf as p; print(p.__file__)")
out=build/python-bench
mkdir -p "$out"
"$RAY_PY" benchmarks/python/ray_perf_on.py "$PERF" ray "$out/ray.json"
PYTHONPATH=python-bridge/python build/venv/bin/python benchmarks/python/ray_perf_on.py "$PERF" glint "$out/glint.json"
build/venv/bin/python - "$out/ray.json" "$out/glint.json" "$("$RAY_PY" -c 'import ray; print(ray.__version__)')" <<'PY'
import json, sys
ray = {r["name"]: r for r in json.load(open(sys.argv[1]))}
glint = {r["name"]: r for r in json.load(open(sys.argv[2]))}
print(f"| metric | Ray {sys.argv[3]} (per s) | Glint (per s) | Glint/Ray | |")
print("|---|---:|---:|---:|---|")
for name, r in ray.items():
    g = glint.get(name)
    fmt = lambda x: f"{x['mean']:,.2f} ± {x['sd']:,.2f}"
    if g is None:
        print(f"| {name} | {fmt(r)} | not measured | - | |")
        continue
    ratio = g["mean"] / r["mean"]
    print(f"| {name} | {fmt(r)} | {fmt(g)} | {ratio:.2f} | {'at/above' if ratio >= 1 else 'below'} |")
PY
# The seed's Tune example (50 trials x 10 instant epochs), timed on each.
echo
echo "| Tune workload | Ray $("$RAY_PY" -c 'import ray; print(ray.__version__)') (s) | Glint (s) | Ray/Glint | |"
echo "|---|---:|---:|---:|---|"
"$RAY_PY" benchmarks/python/tune_seed.py ray 0 2>/dev/null | tail -1 > "$out/tune-ray.json"
PYTHONPATH=python-bridge/python build/venv/bin/python benchmarks/python/tune_seed.py glint 0 2>/dev/null | tail -1 > "$out/tune-glint.json"
build/venv/bin/python - "$out/tune-ray.json" "$out/tune-glint.json" <<'PY'
import json, sys
r, g = (json.load(open(p)) for p in sys.argv[1:3])
ratio = r["seconds"] / g["seconds"]
print(f"| {r['name']} | {r['seconds']:.1f} | {g['seconds']:.1f} | {ratio:.2f} | {'at/above' if ratio >= 1 else 'below'} |")
PY
