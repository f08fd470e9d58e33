#!/usr/bin/env python3
"""Runs `ray microbenchmark` and `glint microbenchmark` back to back on this machine and prints
(and records in BENCHMARKS.md) a table: metric, Ray, Glint, Glint/Ray.

Usage: benchmarks/compare-with-ray.sh [--filter NAME] [--skip-ray] [--ray-log FILE]
Installs Ray 2.58 from the package mirror into build/ray-venv (its own environment). Takes minutes:
run it on purpose, not in CI.
"""
import argparse
import datetime
import os
import platform
import re
import subprocess
import sys

LINE = re.compile(r"^(?P<name>.+?) per second (?P<mean>[0-9.]+) \+- (?P<sd>[0-9.]+)\s*$")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse(text):
    out = {}
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if m:
            out[m.group("name")] = (float(m.group("mean")), float(m.group("sd")))
        m = SIZE.match(line.strip())
        if m:
            out[m.group("name")] = (float(m.group("value")), 0.0)
    return out


def run(cmd, env=None, log=None):
    print("$", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    text = p.stdout + p.stderr
    if log:
        with open(log, "w") as f:
            f.write(text)
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}):\n{text[-3000:]}")
    return text


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


TARGETS = [
    ("single client tasks sync", 5.0),
    ("single client tasks async", 10.0),
    ("1:1 actor calls async", 10.0),
    ("single client put calls 1 MiB (store)", 1.0),
    ("single client put gigabytes", 3.0),
    # issue 21
    ("actor creation", 2.0),
    ("nested tasks", 2.0),
    ("n:n actor calls async", 10.0),
    ("1:1 actor calls sync", 10.0),
]
# Goals in absolute terms (issue 21): metric, bound, what the bound means.
ABSOLUTE = [
    ("single client tasks sync", lambda v: v >= 1e6 / 70, "round trip under 70 us",
     lambda v: f"{1e6 / v:,.0f} us"),
    ("1M tiny tasks", lambda v: v >= 1e5, "a million in under 10 s", lambda v: f"{1e6 / v:,.1f} s"),
    ("driver heap MiB (a million tiny tasks)", lambda v: v < 1024, "driver heap under 1 GiB",
     lambda v: f"{v:,.0f} MiB"),
]
SIZE = re.compile(r"^(?P<name>driver heap MiB.*?) (?P<value>[0-9.]+)\s*$")

# Rows Glint measures that `ray microbenchmark` has no row for, measured on Ray by the same
# operations (RAY_TWINS, run in Ray's environment with Ray's own timeit).
RAY_TWINS = r"""
import numpy as np
import ray
from ray._private.ray_microbenchmark_helpers import timeit
ray.init(num_cpus=2, include_dashboard=False)
shared = ray.put(0)
@ray.remote
def count(refs):
    return len(refs)
ray.get(count.remote([shared]))
for _ in timeit("single client get calls (shared small object)", lambda: ray.get(shared)):
    pass
mib = np.zeros(1 << 20, dtype=np.uint8)
for _ in timeit("single client put calls 1 MiB (store)", lambda: ray.put(mib)):
    pass
stored = ray.put(mib)
for _ in timeit("single client get calls 1 MiB (store)", lambda: ray.get(stored)):
    pass

# The cold paths (Glint's "actor creation" and "nested tasks" rows, same work).
@ray.remote(num_cpus=0)
class Actor:
    def small_value(self):
        return b"ok"

def create_actors():
    fresh = [Actor.remote() for _ in range(20)]
    ray.get([a.small_value.remote() for a in fresh])
    for a in fresh:
        ray.kill(a)

for _ in timeit("actor creation", create_actors, 20):
    pass

@ray.remote
def sleep5ms():
    import time
    time.sleep(0.005)
    return 1

@ray.remote
def nested_parent():
    return ray.get(sleep5ms.remote()) + ray.get(sleep5ms.remote())

for _ in timeit("nested tasks", lambda: ray.get([nested_parent.remote() for _ in range(100)]), 100):
    pass
ray.shutdown()
"""

# Whether a row compares like with like, and why not when it does not.
NOT_LIKE_FOR_LIKE = {
    "single client get calls (Plasma Store)":
        "Ray's small put/get goes through plasma; Glint keeps small objects in the owner "
        "(compare the 'shared small object' and '1 MiB (store)' rows)",
    "single client put calls (Plasma Store)": "as above",
    "multi client put calls (Plasma Store)": "as above",
    "single client get calls (in-process small object)":
        "Glint's own: a small put's ref carries its value, no table or store",
    "single client put calls (in-process small object)": "Glint's own, as above",
    "multi client put calls (in-process small objects)": "Glint's own, as above",
}


def targets(ray_r, glint_r):
    lines = ["| metric | goal | measured (Glint/Ray, or Glint) | met |", "|---|---:|---:|---|"]
    for name, goal in TARGETS:
        r, g = ray_r.get(name), glint_r.get(name)
        if r and g and r[0] > 0:
            ratio = g[0] / r[0]
            lines.append(f"| {name} | {goal:.0f}x | {ratio:.2f}x | {'yes' if ratio >= goal else 'no'} |")
        else:
            lines.append(f"| {name} | {goal:.0f}x | - | not measured |")
    for name, ok, meaning, show in ABSOLUTE:
        g = glint_r.get(name)
        lines.append(f"| {name} | {meaning} | {show(g[0])} | {'yes' if ok(g[0]) else 'no'} |"
                     if g else f"| {name} | {meaning} | - | not measured |")
    below = [n for n in ray_r if n in glint_r and glint_r[n][0] < ray_r[n][0]]
    lines.append("")
    lines.append("Every metric at or above Ray: " + ("yes" if not below else "no, below: " + ", ".join(below)))
    return "\n".join(lines)


def jdk():
    out = subprocess.run(
        ["bash", "-c", '. scripts/lib.sh; glint_find_jdk; "$JAVA_HOME/bin/java" -version 2>&1 | head -n 1'],
        cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or "unknown JDK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--filter", default="", help="only metrics containing this")
    ap.add_argument("--ray-log", help="reuse a saved `ray microbenchmark` output instead of running Ray")
    ap.add_argument("--glint-log", help="reuse a saved `glint microbenchmark` output")
    ap.add_argument("--no-write", action="store_true", help="do not rewrite BENCHMARKS.md")
    ap.add_argument("--ray-date", help="when the reused Ray log was measured (for BENCHMARKS.md)")
    ap.add_argument("--ray-twins-log", help="reuse a saved run of the Ray twins of Glint's own rows")
    args = ap.parse_args()
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    if args.filter:
        env["TESTS_TO_RUN"] = args.filter

    if args.ray_log:
        ray_text = open(args.ray_log).read()
    else:
        ray = os.path.join(ROOT, "build/ray-venv/bin/ray")
        if not os.path.exists(ray):
            run([sys.executable, "-m", "venv", "build/ray-venv"])
            run(["build/ray-venv/bin/pip", "install", "--quiet", "--retries", "0", "--timeout", "10",
                 "ray==2.58.0", "numpy", "grpcio"])
        ray_text = run([ray, "microbenchmark"], env=env, log=os.path.join(ROOT, "build/ray-bench.log"))
    if args.glint_log:
        glint_text = open(args.glint_log).read()
    else:
        glint_text = run(["./glint", "microbenchmark"], env=env,
                         log=os.path.join(ROOT, "build/glint-bench.log"))

    if args.ray_twins_log:
        twins_text = open(args.ray_twins_log).read()
    elif args.ray_log:
        twins_text = ""
    else:
        twins = os.path.join(ROOT, "build/ray-twins.py")
        with open(twins, "w") as f:
            f.write(RAY_TWINS)
        twins_text = run([os.path.join(ROOT, "build/ray-venv/bin/python"), twins], env=env,
                         log=os.path.join(ROOT, "build/ray-twins.log"))
    ray_r, glint_r = parse(ray_text), parse(glint_text)
    ray_r.update(parse(twins_text))
    names = [n for n in ray_r] + [n for n in glint_r if n not in ray_r and not n.startswith("driver heap MiB")]
    rows = ["| metric | Ray 2.58 (per s) | Glint (per s) | Glint/Ray | like for like |",
            "|---|---:|---:|---:|---|"]
    for n in names:
        r, g = ray_r.get(n), glint_r.get(n)
        fmt = lambda v: f"{v[0]:,.2f} ± {v[1]:,.2f}" if v else "not measured"
        ratio = f"{g[0] / r[0]:.2f}" if r and g and r[0] > 0 else "-"
        like = NOT_LIKE_FOR_LIKE.get(n, "yes" if r and g else "-")
        rows.append(f"| {n} | {fmt(r)} | {fmt(g)} | {ratio} | {like} |")
    table = "\n".join(rows)
    print(table)
    if args.no_write:
        return
    # Hand-written analysis of the numbers lives in benchmarks/NOTES.md and is kept on regeneration.
    notes_file = os.path.join(ROOT, "benchmarks/NOTES.md")
    notes = open(notes_file).read() if os.path.exists(notes_file) else ""
    ray_when = f" (measured {args.ray_date}, same machine)" if args.ray_date else ""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    doc = f"""# Benchmarks

Glint against Ray on the same machine, measured back to back with the same workload shapes and
metric names (Ray's `ray microbenchmark`; Glint's `./glint microbenchmark`). Regenerate with:

```
benchmarks/compare-with-ray.sh
```

- Date: {when}
- Machine: {machine()}
- Ray: 2.58.0 from the package mirror, `ray microbenchmark`{ray_when}
- Glint: `./glint microbenchmark` on {jdk()}

{table}

Both sides print `mean ± stdev` over 4 runs of 2 s after a warm-up; higher is better. The last
column says whether a row does the same work on both sides. Ray's "(Plasma Store)" rows put and
get a small int through Ray's shared-memory store; a small Glint object lives in its owner and
never touches the store, so Glint prints those figures under their own names ("in-process small
object") and measures the store path separately ("shared small object", "1 MiB (store)"), with
Ray twins run by the same operations (`RAY_TWINS` in `compare-with-ray.py`). Metrics Glint does
not measure yet (placement groups, out-of-scope callbacks) are marked as such; `client:` rows are
Ray Client. Rows without a Ray number are Glint's own: Ray measures Python tasks only from
Python, and has no Java Arrow path.

{notes}
## Targets

{targets(ray_r, glint_r)}
"""
    # The sections other scripts write (compare-data-with-ray.sh, compare-python-with-ray.sh's
    # table) follow the generated part and are kept.
    path = os.path.join(ROOT, "BENCHMARKS.md")
    old = open(path).read() if os.path.exists(path) else ""
    starts = [i for i in (old.find("\n## Data:"), old.find("\n## Python drivers:")) if i >= 0]
    if starts:
        doc = doc.rstrip("\n") + "\n" + old[min(starts):]
    with open(path, "w") as f:
        f.write(doc)
    print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
