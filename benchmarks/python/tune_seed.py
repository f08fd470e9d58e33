"""The seed's Ray Tune example, timed: 50 trials of 10 epochs (a synthetic train_epoch taking
epoch_ms), lr loguniform and batch_size a choice, on Ray or on Glint with the same code.

    python tune_seed.py ray|glint [epoch_ms] > result.json

Prints {"name", "seconds", "trials"}: the wall time of tune.run from its call to its return, after
the cluster is up (ray.init is outside the clock), with every CPU of a 2-CPU cluster for trials."""
import json
import math
import sys
import time

backend = sys.argv[1]
epoch_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
if backend == "ray":
    import ray
    from ray import tune
else:
    import glint as ray
    from glint import tune


def train_epoch(lr, batch_size):
    if epoch_ms:
        time.sleep(epoch_ms / 1000)
    return (math.log10(lr) + 2) ** 2 + abs(batch_size - 64) / 64


def train_fn(config):
    for epoch in range(config["epochs"]):
        loss = train_epoch(lr=config["lr"], batch_size=config["batch_size"])
        tune.report({"loss": loss})


ray.init(num_cpus=2)
start = time.perf_counter()
analysis = tune.run(
    train_fn,
    config={
        "lr": tune.loguniform(1e-4, 1e-1),
        "batch_size": tune.choice([32, 64, 128]),
        "epochs": 10,
    },
    num_samples=50,
    verbose=0,
)
seconds = time.perf_counter() - start
best = analysis.get_best_config(metric="loss", mode="min")
ray.shutdown()
print(json.dumps({"name": "tune seed example: 50 trials x 10 epochs of %g ms" % epoch_ms,
                  "seconds": seconds, "trials": len(analysis.trials), "best": best}))
