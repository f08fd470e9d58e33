"""Driver scripts as users run them: code defined in __main__, and a failing pytest session in the
seed's fixture style leaving no process behind."""
import os
import subprocess
import sys
import textwrap
import uuid

from procs import wait_gone, with_marker

HERE = os.path.dirname(os.path.abspath(__file__))

MAIN_SCRIPT = textwrap.dedent('''
    import glint as ray

    ray.init(num_cpus=2)
    factor = 3

    def make_scaler(k):
        def scale(x):          # a closure over k and the module global factor
            return x * k * factor
        return scale

    scale = ray.remote(make_scaler(2))
    double = ray.remote(lambda x: x * 2)

    @ray.remote
    class Acc:
        def __init__(self):
            self.items = []
        def add(self, f, x):   # a lambda passed as an argument, run inside the actor
            self.items.append(f(x))
            return self.items

    print("scale", ray.get(scale.remote(5)))
    print("double", ray.get([double.remote(i) for i in range(3)]))
    acc = Acc.remote()
    acc.add.remote(lambda v: v + 100, 1)
    print("acc", ray.get(acc.add.remote(lambda v: -v, 2)))
    ray.shutdown()
''')

FAILING_TESTS = textwrap.dedent('''
    import pytest
    import glint as ray

    @pytest.fixture(scope="module")
    def ray_context():
        ray.init(num_cpus=2)
        yield
        ray.shutdown()

    @ray.remote
    def square(x):
        return x * x

    def test_passes(ray_context):
        assert ray.get(square.remote(4)) == 16

    def test_fails(ray_context):
        assert ray.get(square.remote(3)) == 10
''')


def _env(marker):
    env = dict(os.environ, GLINT_TEST_MARK=marker)
    if os.environ.get("GLINT_TEST_INSTALLED") != "1":
        env["PYTHONPATH"] = os.path.dirname(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_closures_and_lambdas_defined_in_main_run_as_tasks(tmp_path):
    script = tmp_path / "main_script.py"
    script.write_text(MAIN_SCRIPT)
    marker = uuid.uuid4().hex
    run = subprocess.run([sys.executable, str(script)], env=_env(marker), capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-4000:]
    lines = [l for l in run.stdout.splitlines() if l.split(" ")[0] in ("scale", "double", "acc")]
    assert lines == ["scale 30", "double [0, 2, 4]", "acc [101, -2]"]
    assert wait_gone(marker) == []


def test_a_failing_test_in_the_seed_fixture_leaves_no_process_behind(tmp_path):
    (tmp_path / "test_user.py").write_text(FAILING_TESTS)
    marker = uuid.uuid4().hex
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(tmp_path / "test_user.py")], env=_env(marker), capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 1, run.stdout[-4000:] + run.stderr[-2000:]
    assert "1 failed, 1 passed" in run.stdout
    assert wait_gone(marker) == []


def test_a_killed_driver_leaves_no_process_behind(tmp_path):
    script = tmp_path / "killed.py"
    script.write_text("import glint as ray, time\nray.init(num_cpus=1)\n"
                      "ray.get(ray.remote(lambda: 1).remote())\nprint('up', flush=True)\n"
                      "time.sleep(600)\n")
    marker = uuid.uuid4().hex
    p = subprocess.Popen([sys.executable, str(script)], env=_env(marker), stdout=subprocess.PIPE,
                         text=True, cwd=tmp_path)
    try:
        assert p.stdout.readline().strip() == "up"
        # the driver (hosting the embedded control service and node daemon) and its worker
        assert len(with_marker(marker)) >= 2
    finally:
        p.kill()
        p.wait(timeout=30)
    assert wait_gone(marker, timeout_s=60) == []


def test_runtime_env_ships_modules_and_sets_env_vars(tmp_path):
    lib = tmp_path / "elsewhere" / "helpers"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text("def greet(name):\n    return 'hello ' + name\n")
    wd = tmp_path / "workdir"
    wd.mkdir()
    (wd / "wdmod.py").write_text("VALUE = 42\n")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    script = run_dir / "env_script.py"
    script.write_text(textwrap.dedent(f'''
        import os
        import glint as ray
        ray.init(num_cpus=1, runtime_env={{"py_modules": [{str(lib)!r}], "working_dir": {str(wd)!r},
                                           "env_vars": {{"GREETING": "hi"}}}})

        @ray.remote
        def use():
            import helpers, wdmod
            return helpers.greet("glint"), wdmod.VALUE, os.environ.get("GREETING")

        print("env", ray.get(use.remote()))
        ray.shutdown()
    '''))
    marker = uuid.uuid4().hex
    run = subprocess.run([sys.executable, str(script)], env=_env(marker), capture_output=True,
                         text=True, timeout=300, cwd=run_dir)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "env ('hello glint', 42, 'hi')" in run.stdout
