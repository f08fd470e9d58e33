"""Glint Tune from Python, in Ray Tune's names (``from glint import tune``):

    from glint import tune

    def train_fn(config):
        for epoch in range(config["epochs"]):
            loss = train_epoch(lr=config["lr"], batch_size=config["batch_size"])
            tune.report({"loss": loss})

    analysis = tune.run(train_fn, config={
        "lr": tune.loguniform(1e-4, 1e-1),
        "batch_size": tune.choice([32, 64, 128]),
        "epochs": 10,
    }, num_samples=50)
    print(analysis.get_best_config(metric="loss", mode="min"))

Experiments run in Glint's Java Tune engine (the glint-tune module) inside the driver process:
the same searchers (random/grid, TPE), schedulers (FIFO, ASHA, HyperBand, median stopping, PBT),
progress table, per-trial results and checkpoints under the storage path, and restore as Java
experiments. Each trial is a Python actor with the trial's resources that runs the trainable;
``tune.report`` hands each epoch to the engine, which decides whether the trial goes on.
"""
from glint.tune import schedulers, search
from glint.tune._space import (Domain, choice, grid_search, loguniform, qloguniform, qrandint,
                               quniform, randint, sample_from, uniform)
from glint.tune._trial import Checkpoint, get_checkpoint, report
from glint.tune._tuner import (ExperimentAnalysis, FailureConfig, PlacementGroupFactory, Result,
                               ResultGrid, RunConfig, TuneConfig, TuneError, Tuner, run,
                               with_parameters, with_resources)

__all__ = [
    "Checkpoint", "Domain", "ExperimentAnalysis", "FailureConfig", "PlacementGroupFactory",
    "Result", "ResultGrid", "RunConfig", "TuneConfig", "TuneError", "Tuner", "choice",
    "get_checkpoint", "grid_search", "loguniform", "qloguniform", "qrandint", "quniform",
    "randint", "report", "run", "sample_from", "schedulers", "search", "uniform",
    "with_parameters", "with_resources",
]
