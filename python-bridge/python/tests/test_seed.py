"""The seed's Python examples run unchanged after `import glint as ray`, from the wheel installed
into a fresh virtual environment, and give the results a run on Ray 2.58 gave (expected_ray.json,
recorded with `SEED_BACKEND=ray python seed_examples.py`)."""
import json
import os
import shutil
import subprocess
import sys
import uuid

from procs import wait_gone

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
PIP = ["--retries", "0", "--timeout", "5", "--quiet", "--disable-pip-version-check"]


def _wheel(tmp_path):
    out = tmp_path / "wheels"
    build = tmp_path / "src"
    shutil.copytree(PACKAGE, build, ignore=shutil.ignore_patterns("tests", "build", "*.egg-info",
                                                                  "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", *PIP, "--no-deps",
                    "--no-build-isolation", "-w", str(out), str(build)], check=True, timeout=300)
    return next(out.glob("glint-*.whl"))


def test_seed_examples_from_the_installed_wheel_match_ray(tmp_path):
    from glint import _driver
    home = _driver.glint_home()
    wheel = _wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", *PIP, str(wheel), "numpy", "pyarrow"],
                   check=True, timeout=600)
    marker = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SEED_BACKEND")}
    env.update(GLINT_TEST_MARK=marker, GLINT_HOME=home, GLINT_RESULTS_DIR=str(tmp_path / "results"))
    script = tmp_path / "seed_examples.py"
    shutil.copy(os.path.join(HERE, "seed_examples.py"), script)
    run = subprocess.run([python, str(script)], env=env, capture_output=True, text=True,
                         timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-4000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    with open(os.path.join(HERE, "expected_ray.json")) as f:
        expected = json.load(f)
    assert got == expected
    # the installed package ran, not this source tree
    where = subprocess.run([python, "-c", "import glint; print(glint.__file__)"], env=env,
                           capture_output=True, text=True, cwd=tmp_path).stdout
    assert str(venv) in where
    # glint.shutdown() at the end of the script left no worker behind
    assert wait_gone(marker) == []
