#!/usr/bin/env python3
"""Glint Data vs Ray Data on this machine, on the same Parquet files: read -> map_batches(a Python
transform_fn, batch_size=1000) -> write_parquet, and a random shuffle; rows/s and the peak memory
(proportional set size, so shared memory counts once) of all the run's processes. Both get 2 CPUs
and a 512 MiB object store. Prints a table and records it in BENCHMARKS.md ("Data" section).

Usage: benchmarks/compare-data-with-ray.sh [--rows N] [--files F]
Run on purpose, not in CI: it takes minutes. Ray comes from build/ray-venv (compare-with-ray.sh
makes it; this script adds pyarrow and pandas to it).
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIST = os.path.join(ROOT, "dist", "target", "glint-0.1.0-SNAPSHOT")
LINE = re.compile(r"^(?P<name>.+?) per second (?P<v>[0-9.]+)")


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def run_sampled(cmd, env):
    """Runs cmd, sampling the PSS of its process tree; returns (output, peak GiB)."""
    print("$", " ".join(cmd), flush=True)
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    peak = [0]

    def sample():
        while p.poll() is None:
            peak[0] = max(peak[0], sum(pss_kib(x) for x in descendants(p.pid)))
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out = p.communicate()[0]
    t.join()
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}):\n{out[-3000:]}")
    return out, peak[0] / 2**20


def java(*args):
    jh = os.environ.get("JAVA_HOME")
    return [os.path.join(jh, "bin", "java") if jh else "java", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-Dglint.python.path=" + os.path.join(ROOT, "benchmarks", "python"),
            "-cp", os.path.join(DIST, "lib", "*"), "io.glint.benchmarks.DataBench", *args]


def parse(text):
    return {m.group("name"): float(m.group("v")) for m in map(LINE.match, text.splitlines()) if m}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=8_000_000)
    ap.add_argument("--files", type=int, default=16)
    a = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("GLINT_PYTHON_EXECUTABLE", os.path.join(ROOT, "build", "venv", "bin", "python"))
    work = os.path.join(ROOT, "build", "data-bench")
    src = os.path.join(work, f"in-{a.rows}-{a.files}")
    if not glob.glob(os.path.join(src, "*.parquet")):
        shutil.rmtree(src, ignore_errors=True)
        run_sampled(java("generate", src, str(a.rows), str(a.files)), env)
    size = sum(os.path.getsize(f) for f in glob.glob(os.path.join(src, "*.parquet")))
    ray_py = os.path.join(ROOT, "build", "ray-venv", "bin", "python")
    subprocess.run([ray_py, "-m", "pip", "install", "--quiet", "--retries", "0", "--timeout", "5",
                    "pyarrow", "pandas"], check=True)
    results = {}
    for name, cmd in (("Ray", [ray_py, "benchmarks/data_ray.py", src, os.path.join(work, "out-ray")]),
                      ("Glint", java("run", src, os.path.join(work, "out-glint")))):
        shutil.rmtree(os.path.join(work, "out-" + name.lower()), ignore_errors=True)
        out, peak = run_sampled(cmd, env)
        print(out[-1500:])
        results[name] = (parse(out), peak)
    rows = []
    for metric in ("read_parquet", "read->map_batches->write", "random_shuffle",
                   "read->map_batches->write (Java fn)"):
        r = results["Ray"][0].get(metric)
        g = results["Glint"][0].get(metric)
        ratio = f"{g / r:.2f}" if r and g else "—"
        mark = "" if not (r and g) else (" at/above" if g >= r else " below")
        rows.append(f"| {metric} | {r:,.0f} |" if r else f"| {metric} | — |")
        rows[-1] += f" {g:,.0f} | {ratio}{mark} |"
    table = "\n".join([
        f"Input: {a.rows:,} rows (id, x, y) in {a.files} Parquet files, {size / 2**20:.0f} MiB; "
        "2 CPUs and a 512 MiB object store each.",
        "",
        "| rows per second | Ray Data 2.58 | Glint Data | Glint/Ray |",
        "|---|---:|---:|---:|",
        *rows,
        f"| peak memory of all processes (PSS, whole run) | {results['Ray'][1]:.2f} GiB | "
        f"{results['Glint'][1]:.2f} GiB | |",
    ])
    print(table)
    bench = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(bench).read()
    start, end = "<!-- data-bench:start -->", "<!-- data-bench:end -->"
    block = (f"{start}\n{table}\n\nCommand: `benchmarks/compare-data-with-ray.sh --rows {a.rows} "
             f"--files {a.files}` ({time.strftime('%Y-%m-%d')}).\n{end}")
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
    else:
        text += "\n## Data: Glint Data vs Ray Data\n\n" + block + "\n"
    open(bench, "w").write(text)


if __name__ == "__main__":
    main()
