#!/usr/bin/env bash
# Side-by-side: ray microbenchmark vs glint microbenchmark on this machine -> BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 benchmarks/compare-with-ray.py "$@"
