"""glint.tune from a Python driver: Ray Tune's names driving Glint's Java Tune engine, trials as
Python actors (the seed's own example is in seed_examples.py, compared with Ray's output)."""
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

import glint as ray
from glint import tune
from glint.tune.schedulers import ASHAScheduler, PopulationBasedTraining
from glint.tune.search import TPESearch

from procs import wait_gone


def quadratic(config):
    """A loss falling with each epoch towards its floor (x - 0.3)^2 + 0.1 * width."""
    x, width = config["model"]["x"], config["model"]["width"]
    for epoch in range(1, 10):
        tune.report({"loss": (x - 0.3) ** 2 + 0.1 * width + 1.0 / epoch,
                     "bias": config["bias"], "opt": config["optimizer"]})


def test_nested_space_grid_and_sample_from_and_results_on_disk(ray_context, tmp_path):
    space = {
        "model": {"x": tune.uniform(-1, 1), "width": tune.randint(1, 4)},
        "optimizer": tune.grid_search(["sgd", "adam"]),
        "bias": tune.sample_from(lambda spec: spec.config.model.width * 10),
    }
    grid = tune.Tuner(
        quadratic, param_space=space,
        tune_config=tune.TuneConfig(metric="loss", mode="min", num_samples=3, seed=7),
        run_config=tune.RunConfig(name="nested", storage_path=str(tmp_path), verbose=0),
    ).fit()
    assert len(grid) == 6 and grid.num_errors == 0
    assert sorted(r.config["optimizer"] for r in grid) == ["adam"] * 3 + ["sgd"] * 3
    for r in grid:
        assert r.metrics["bias"] == r.config["model"]["width"] * 10  # computed from the config
        assert r.metrics["opt"] == r.config["optimizer"]
        assert 1 <= r.config["model"]["width"] < 4 and -1 <= r.config["model"]["x"] <= 1
        assert r.metrics["training_iteration"] == 9
        # every report is in the trial's result.json, in order
        with open(os.path.join(r.path, "result.json")) as f:
            lines = [json.loads(line) for line in f]
        assert [l["loss"] for l in lines] == [h["loss"] for h in r.metrics_dataframe.to_dict("records")]
    best = grid.get_best_result()
    assert best.metrics["loss"] == min(r.metrics["loss"] for r in grid)
    df = grid.get_dataframe()
    assert len(df) == 6 and "config/model/x" in df.columns and "loss" in df.columns
    assert os.path.isfile(os.path.join(grid.experiment_path, "curves.svg"))


def epochs_of(config):
    # good configs (x near 0.3) keep improving; ASHA should cut the others at its rungs
    for epoch in range(1, 28):
        tune.report({"score": -abs(config["x"] - 0.3) * 10 + epoch * 0.01})


def test_asha_stops_trials_early_and_tpe_searches(ray_context, tmp_path):
    grid = tune.Tuner(
        epochs_of, param_space={"x": tune.uniform(0, 1)},
        tune_config=tune.TuneConfig(
            num_samples=12, seed=3,
            scheduler=ASHAScheduler(metric="score", mode="max", max_t=27, grace_period=1,
                                    reduction_factor=3),
            search_alg=TPESearch(n_initial_points=4)),
        run_config=tune.RunConfig(storage_path=str(tmp_path), verbose=0),
    ).fit()
    iterations = [r.metrics["training_iteration"] for r in grid]
    assert len(grid) == 12 and grid.num_errors == 0
    assert sum(1 for i in iterations if i < 27) >= 2  # stopped at a rung (FIFO: all run 27)
    assert max(iterations) == 27  # the best went on to max_t
    best = grid.get_best_result()
    assert best.metrics["training_iteration"] == 27
    assert abs(best.config["x"] - 0.3) < 0.2


def flaky(config):
    """Fails once at epoch 3 (a marker file says it did), then resumes from its checkpoint."""
    ckpt = tune.get_checkpoint()
    start = ckpt.to_dict()["epoch"] + 1 if ckpt else 1
    for epoch in range(start, 6):
        if config["kind"] == "broken":
            raise ValueError("bad parameters")
        marker = os.path.join(config["dir"], "failed_once")
        if epoch == 3 and not os.path.exists(marker):
            open(marker, "w").close()
            raise RuntimeError("lost the GPU")
        tune.report({"epoch": epoch, "resumed_from": start},
                    checkpoint=tune.Checkpoint.from_dict({"epoch": epoch}))


def test_failing_trials_retry_from_their_checkpoint_and_errors_are_reported(ray_context, tmp_path):
    grid = tune.Tuner(
        flaky, param_space={"kind": tune.grid_search(["flaky", "broken"]), "dir": str(tmp_path)},
        run_config=tune.RunConfig(storage_path=str(tmp_path), verbose=0,
                                  failure_config=tune.FailureConfig(max_failures=1)),
    ).fit()
    by_kind = {r.config["kind"]: r for r in grid}
    ok = by_kind["flaky"]
    assert ok.error is None and ok.metrics["epoch"] == 5
    assert ok.metrics["resumed_from"] == 3  # restarted after the checkpoint of epoch 2
    assert ok.checkpoint.to_dict() == {"epoch": 5}
    broken = by_kind["broken"]
    assert isinstance(broken.error, tune.TuneError)
    assert "ValueError: bad parameters" in str(broken.error)
    assert grid.num_errors == 1 and grid.errors == [broken.error]


def pbt_trainable(config):
    """w grows by lr each step; the checkpoint carries w, the step and where the state began."""
    state = tune.get_checkpoint().to_dict() if tune.get_checkpoint() else {
        "w": 0.0, "step": 0, "origin": config["lr"]}
    while True:  # at least one report after each (re)start, even from a finished donor's state
        time.sleep(0.1)  # so the population is running when each trial reaches a perturbation
        state["step"] += 1
        state["w"] += config["lr"]
        tune.report({"w": state["w"], "lr": config["lr"], "origin": state["origin"]},
                    checkpoint=tune.Checkpoint.from_dict(state))
        if state["step"] >= 12:
            return


def test_pbt_copies_top_trials_and_perturbs_their_config(ray_context, tmp_path):
    pbt = PopulationBasedTraining(metric="w", mode="max", perturbation_interval=3,
                                  hyperparam_mutations={"lr": [0.01, 0.1, 1.0]},
                                  quantile_fraction=0.5, resample_probability=0.0)
    grid = tune.Tuner(
        tune.with_resources(pbt_trainable, {"cpu": 0.5}),
        param_space={"lr": tune.grid_search([1.0, 0.1, 0.1, 0.01])},
        tune_config=tune.TuneConfig(scheduler=pbt, max_concurrent_trials=4),
        run_config=tune.RunConfig(storage_path=str(tmp_path), verbose=0),
    ).fit()
    assert grid.num_errors == 0
    worst = [r for r in grid if r.metrics_dataframe["lr"].iloc[0] == 0.01][0]
    # the bottom trial went on from a top trial's state (exploit) ...
    assert worst.metrics["origin"] != 0.01 and worst.metrics["w"] > 0.12 + 1e-9
    # ... with that trial's config moved to a neighbouring value (explore)
    assert worst.config["lr"] in (0.01, 0.1, 1.0)
    assert any(r.metrics["origin"] != r.config["lr"] for r in grid)


def test_bad_input_fails_with_a_clear_error():
    with pytest.raises(TypeError, match=r"config\['net'\] is a object"):
        tune.Tuner(quadratic, param_space={"net": object()}).fit()
    with pytest.raises(ValueError, match="mode must be"):
        tune.TuneConfig(metric="loss", mode="best")
    with pytest.raises(TypeError, match="unsupported arguments"):
        tune.run(quadratic, config={}, keep_checkpoints_num=2)
    with pytest.raises(ValueError, match="loguniform needs lower > 0"):
        tune.loguniform(0, 1)
    with pytest.raises(RuntimeError, match="inside a trainable"):
        tune.report({"loss": 1.0})
    with pytest.raises(ValueError, match="given once|give it once"):
        tune.TuneConfig(metric="a", scheduler=ASHAScheduler(metric="b"))._spec()
    with pytest.raises(TypeError, match="class trainables"):
        tune.Tuner(type("T", (), {}))


RESTORE_SCRIPT = textwrap.dedent('''
    import os, sys, time
    import glint as ray
    from glint import tune

    def slow(config):
        with open(os.path.join(config["dir"], "starts.log"), "a") as f:
            f.write("%d\\n" % config["i"])
        for epoch in range(3):
            time.sleep(0.3)
            tune.report({"value": config["i"] * 10 + epoch})

    ray.init(num_cpus=1)
    if sys.argv[1] == "start":
        tune.Tuner(slow, param_space={"i": tune.grid_search(list(range(6))), "dir": sys.argv[2]},
                   tune_config=tune.TuneConfig(metric="value", mode="max",
                                               max_concurrent_trials=1),
                   run_config=tune.RunConfig(name="exp", storage_path=sys.argv[2],
                                             verbose=0)).fit()
    else:
        grid = tune.Tuner.restore(os.path.join(sys.argv[2], "exp"), slow).fit()
        print("RESULT", sorted(r.metrics["value"] for r in grid), grid.get_best_result().config["i"])
    ray.shutdown()
''')


def test_ctrl_c_stops_the_experiment_and_restore_finishes_it_without_rerunning_trials(tmp_path):
    script = tmp_path / "restore_me.py"
    script.write_text(RESTORE_SCRIPT)
    marker = uuid.uuid4().hex
    env = dict(os.environ, GLINT_TEST_MARK=marker)
    if os.environ.get("GLINT_TEST_INSTALLED") != "1":
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    starts = tmp_path / "starts.log"
    p = subprocess.Popen([sys.executable, str(script), "start", str(tmp_path)], env=env,
                         cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        # Ctrl-C once two trials finished and a third started
        while not (starts.exists() and len(starts.read_text().split()) >= 3):
            assert p.poll() is None, "the experiment ended before it was interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.1)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
    finally:
        p.kill()
    assert p.returncode != 0 and "KeyboardInterrupt" in err
    assert "the experiment was interrupted; its state is saved in" in err
    assert wait_gone(marker, timeout_s=60) == []
    started_before = [int(s) for s in starts.read_text().split()]
    run = subprocess.run([sys.executable, str(script), "restore", str(tmp_path)], env=env,
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    line = [l for l in run.stdout.splitlines() if l.startswith("RESULT")][0]
    assert line == "RESULT [2, 12, 22, 32, 42, 52] 5"
    all_starts = [int(s) for s in starts.read_text().split()]
    finished_before = started_before[:-1]
    # trials that had finished were not started again; the rest ran once more at most
    for i in finished_before:
        assert all_starts.count(i) == 1, (i, all_starts)
    assert sorted(set(all_starts)) == list(range(6))
