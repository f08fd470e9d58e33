"""The Ray core tutorial's first steps from Python, on Glint: `import glint as ray`.

    PYTHONPATH=python-bridge/python build/venv/bin/python examples/python/quickstart.py
"""
import os

import numpy as np

import glint as ray

ray.init(num_cpus=2)


@ray.remote
def square(x):
    return x * x


@ray.remote
class Counter:
    def __init__(self):
        self.value = 0

    def increment(self):
        self.value += 1
        return self.value


@ray.remote
def total(array):
    return float(array.sum()), os.getpid()


print("square(4) =", ray.get(square.remote(4)))
refs = [square.remote(i) for i in range(1000)]
ready, remaining = ray.wait(refs, num_returns=10, timeout=5.0)
print(f"1000 squares: first {ray.get(refs[:5])}; wait(num_returns=10): {len(ready)} ready")
counter = Counter.remote()
counter.increment.remote()
print("counter =", ray.get(counter.increment.remote()))
big = ray.put(np.arange(1_000_000, dtype=np.float64))
sums = ray.get([total.remote(big) for _ in range(10)])
print(f"10 tasks read one stored array: sum {sums[0][0]:.0f} (driver pid {os.getpid()}, "
      f"task pids {sorted({pid for _, pid in sums})})")
ray.shutdown()
