#!/usr/bin/env bash
# Glint Data vs Ray Data on this machine (same files, same Python transform_fn) -> BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
glint_find_jdk
exec python3 benchmarks/compare-data-with-ray.py "$@"
