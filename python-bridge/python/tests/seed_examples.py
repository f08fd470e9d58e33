"""The Ray tutorial's Python examples (the seed document), as written there, with the helpers it
leaves undefined (load_model, process, train_model's body, Worker, tiny_task_logic) written here.

    python seed_examples.py            # on Glint: import glint as ray
    SEED_BACKEND=ray python seed_examples.py   # the same code on Ray (records expected_ray.json)

Prints one JSON object with every example's deterministic result.
"""
import json
import math
import os
import sys
import threading

if os.environ.get("SEED_BACKEND") == "ray":
    import ray
    from ray import tune
    from ray.util.placement_group import (placement_group, placement_group_table,
                                          remove_placement_group)
    import ray.util.scheduling_strategies
else:
    import glint as ray
    from glint import tune
    from glint.util.placement_group import (placement_group, placement_group_table,
                                            remove_placement_group)

import numpy as np

out = {}
ray.init(num_cpus=4, num_gpus=1)

# --- Ray Tasks
@ray.remote
def square(x):
    return x * x

# .remote() launches the task asynchronously and returns an ObjectRef
ref = square.remote(4)
# ray.get() blocks until the result is ready
result = ray.get(ref)  # 16
out["square"] = result

refs = [square.remote(i) for i in range(1000)]
results = ray.get(refs)  # blocks until all 1000 are done
out["squares_sum"] = sum(results)
out["squares_head"] = results[:5]

ready, remaining = ray.wait(refs, num_returns=10, timeout=5.0)
out["wait"] = [len(ready), len(remaining)]
got = []
for ref in ready:
    got.append(ray.get(ref))
out["wait_ready_are_results"] = all(g in set(results) for g in got)

# --- Resource requirements
@ray.remote(num_cpus=4, num_gpus=1)
def train_model(data):
    # uses 4 CPUs and 1 GPU
    return {"rows": len(data), "gpus": len(ray.get_gpu_ids())}

out["train_model"] = ray.get(train_model.remote(list(range(100))))

# --- Ray Actors
@ray.remote
class Counter:
    def __init__(self):
        self.value = 0

    def increment(self):
        self.value += 1
        return self.value

    def get(self):
        return self.value

counter = Counter.remote()
counter.increment.remote()
counter.increment.remote()
out["counter"] = ray.get(counter.get.remote())  # 2

# --- max_concurrency: ten predict calls must all be inside the actor at once to pass the barrier
def load_model(model_path):
    barrier = threading.Barrier(10, timeout=60)

    def model(input_data):
        barrier.wait()
        return input_data * 2
    return model

@ray.remote(max_concurrency=10)
class ModelServer:
    def __init__(self, model_path):
        self.model = load_model(model_path)

    def predict(self, input_data):
        return self.model(input_data)

server = ModelServer.remote("model.bin")
out["model_server"] = ray.get([server.predict.remote(i) for i in range(10)])

# --- The Object Store
@ray.remote
def process(array):
    return [round(float(array.sum()), 6), len(array), bool(array.flags.writeable)]

np.random.seed(0)
large_array = np.random.randn(10_000_000)
large_ref = ray.put(large_array)
refs = [process.remote(large_ref) for _ in range(100)]
processed = ray.get(refs)
out["object_store"] = processed[0]
out["object_store_all_equal"] = all(p == processed[0] for p in processed)

# --- Placement Groups (3 bundles of 1 CPU: the seed's 4 CPUs each need a 12-CPU machine)
@ray.remote(num_cpus=1)
class Worker:
    def ping(self, i):
        return i

pg = placement_group([{"CPU": 1}] * 3, strategy="PACK")
ray.get(pg.ready())  # block until resources are reserved
workers = [
    Worker.options(
        scheduling_strategy=ray.util.scheduling_strategies.PlacementGroupSchedulingStrategy(
            placement_group=pg, placement_group_bundle_index=i
        )
    ).remote()
    for i in range(3)
]
out["placement_group"] = ray.get([w.ping.remote(i) for i, w in enumerate(workers)])
out["placement_group_state"] = placement_group_table(pg)["state"]

# --- Common pitfalls: batch small work into larger tasks
def tiny_task_logic(x):
    return x + 1

@ray.remote
def batch_task(items):
    return [tiny_task_logic(x) for x in items]

items = list(range(100_000))
batches = [items[i:i + 1000] for i in range(0, len(items), 1000)]
refs = [batch_task.remote(batch) for batch in batches]
out["batches"] = [len(refs), sum(sum(r) for r in ray.get(refs))]

# --- Ray Tune (the placement group's actors go first: trials take 1 CPU each)
for w in workers:
    ray.kill(w)
remove_placement_group(pg)


def train_epoch(lr, batch_size):
    # The seed leaves train_epoch to the reader: a synthetic loss, lowest at lr=1e-2, batch 64.
    return (math.log10(lr) + 2) ** 2 + abs(batch_size - 64) / 64


def train_fn(config):
    for epoch in range(config["epochs"]):
        loss = train_epoch(lr=config["lr"], batch_size=config["batch_size"])
        tune.report({"loss": loss})


analysis = tune.run(
    train_fn,
    config={
        "lr": tune.loguniform(1e-4, 1e-1),
        "batch_size": tune.choice([32, 64, 128]),
        "epochs": 10,
    },
    num_samples=50,
)
best = analysis.get_best_config(metric="loss", mode="min")
configs = [t.config for t in analysis.trials]
last = [t.last_result for t in analysis.trials]
out["tune"] = {
    "trials": len(analysis.trials),
    "iterations": sorted({r["training_iteration"] for r in last}),
    "batch_sizes_from_choice": all(c["batch_size"] in (32, 64, 128) for c in configs),
    "lr_in_range": all(1e-4 <= c["lr"] <= 1e-1 for c in configs),
    "lr_spread_over_decades": len({math.floor(math.log10(c["lr"])) for c in configs}) >= 3,
    "best_has_lowest_loss": train_epoch(best["lr"], best["batch_size"]) == min(r["loss"] for r in last),
    "best_config_keys": sorted(best),
}

ray.shutdown()
json.dump(out, sys.stdout, sort_keys=True)
print()
