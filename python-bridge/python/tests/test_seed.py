"""The seed's Python examples run unchanged after `import glint as ray` and give the results a run
on Ray 2.58 gave (expected_ray.json, recorded with SEED_BACKEND=ray python seed_examples.py)."""
import json
import os
import subprocess
import sys
import uuid

from procs import wait_gone

HERE = os.path.dirname(os.path.abspath(__file__))


def test_seed_examples_match_ray():
    marker = f"GLINT_TEST_MARK={uuid.uuid4().hex}"
    env = dict(os.environ, GLINT_TEST_MARK=marker.split("=", 1)[1])
    env.pop("SEED_BACKEND", None)
    if os.environ.get("GLINT_TEST_INSTALLED") != "1":
        env["PYTHONPATH"] = os.path.dirname(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    run = subprocess.run([sys.executable, os.path.join(HERE, "seed_examples.py")], env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    with open(os.path.join(HERE, "expected_ray.json")) as f:
        expected = json.load(f)
    assert got == expected
    # glint.shutdown() at the end of the script left no daemon or worker behind
    assert wait_gone(marker.split("=", 1)[1]) == []
