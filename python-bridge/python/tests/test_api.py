"""Ray's core API on Glint from a Python driver (one embedded cluster for the module)."""
import asyncio
import time

import numpy as np
import pytest

import glint as ray
from glint.exceptions import (ActorDiedError, GetTimeoutError, GlintTaskError, RayTaskError,
                              TaskCancelledError)


@ray.remote
def add(a, b=10):
    return a + b


@ray.remote
def fail(x):
    return x / 0


@ray.remote(num_returns=2)
def pair(x):
    return x, x * 2


@ray.remote
def nested(n):
    # tasks submit tasks: the worker's glint is the same API
    return sum(ray.get([add.remote(i, 0) for i in range(n)]))


@ray.remote
def read_inner(refs):
    return ray.get(refs[0]) + 1


@ray.remote
class Account:
    def __init__(self, balance):
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount
        return self.balance

    @ray.method(num_returns=2)
    def split(self):
        return self.balance // 2, self.balance - self.balance // 2

    def boom(self):
        raise KeyError("no such account")


@ray.remote
class AsyncActor:
    def __init__(self):
        self.seen = 0

    async def slow_echo(self, x):
        await asyncio.sleep(0.2)
        self.seen += 1
        return x

    async def gather(self, refs):
        # `await ref` in an actor's own event loop
        return sum([await r for r in refs])


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


def test_tasks_with_kwargs_and_defaults(ray_context):
    assert ray.get(add.remote(1)) == 11
    assert ray.get(add.remote(1, b=2)) == 3
    assert ray.get(add.remote(add.remote(1, 1), 5)) == 7  # a ref argument is resolved first


def test_values_keep_their_python_types(ray_context):
    @ray.remote
    def echo(v):
        return v
    values = [(1, "a"), {"k": [1, 2.5, None]}, {1, 2}, Point(1, 2), 2 ** 80, b"\x00\x01",
              np.arange(6).reshape(2, 3), "text", True]
    for v in values:
        got = ray.get(echo.remote(v))
        if isinstance(v, np.ndarray):
            assert np.array_equal(got, v) and got.shape == v.shape
        else:
            assert got == v and type(got) is type(v)
    assert ray.get(ray.put(Point(3, 4))) == Point(3, 4)


def test_numpy_put_is_read_without_a_copy(ray_context):
    a = np.arange(1_000_000, dtype=np.float64)
    ref = ray.put(a)
    got = ray.get(ref)
    assert not got.flags.writeable and np.array_equal(got, a)

    @ray.remote
    def total(x):
        return float(x.sum()), bool(x.flags.writeable)
    assert ray.get(total.remote(ref)) == (float(a.sum()), False)


def test_task_errors_carry_the_remote_traceback_and_type(ray_context):
    with pytest.raises(ZeroDivisionError) as info:
        ray.get(fail.remote(1))
    err = info.value
    assert isinstance(err, GlintTaskError) and isinstance(err, RayTaskError)
    assert err.type == "ZeroDivisionError"
    assert "in fail" in str(err) and "x / 0" in str(err)
    with pytest.raises(KeyError):
        ray.get(Account.remote(1).boom.remote())


def test_get_and_wait_timeouts(ray_context):
    @ray.remote
    def sleepy(s):
        time.sleep(s)
        return s
    ref = sleepy.remote(3)
    with pytest.raises(GetTimeoutError):
        ray.get(ref, timeout=0.2)
    ready, rest = ray.wait([ref], num_returns=1, timeout=0.1)
    assert ready == [] and rest == [ref]
    assert ray.get(ref) == 3
    with pytest.raises(ValueError, match="num_returns cannot be greater"):
        ray.wait([ref], num_returns=2)
    with pytest.raises(ValueError, match="ObjectRef or a list"):
        ray.get(3)


def test_actors_keep_state_and_methods_return_several_values(ray_context):
    acct = Account.remote(100)
    assert ray.get([acct.deposit.remote(10), acct.deposit.remote(5)]) == [110, 115]
    a, b = acct.split.remote()
    assert ray.get([a, b]) == [57, 58]
    x, y = pair.remote(21)
    assert ray.get(y) == 42 and ray.get(x) == 21


def test_nested_tasks_and_refs_inside_values(ray_context):
    assert ray.get(nested.remote(5)) == 10
    inner = ray.put(41)
    assert ray.get(read_inner.remote([inner])) == 42


def test_async_actor_methods_interleave_and_refs_can_be_awaited(ray_context):
    actor = AsyncActor.remote()
    refs = [actor.slow_echo.remote(i) for i in range(10)]
    assert ray.get(refs) == list(range(10))
    assert ray.get(actor.gather.remote([add.remote(i, 0) for i in range(4)])) == 6

    async def main():
        return await add.remote(2, 3), await asyncio.gather(*[add.remote(i) for i in range(3)])
    assert asyncio.run(main()) == (5, [10, 11, 12])


def test_named_actors_kill_and_cancel(ray_context):
    Account.options(name="bank", lifetime="detached").remote(7)
    bank = ray.get_actor("bank")
    assert ray.get(bank.deposit.remote(1)) == 8
    ray.kill(bank)
    with pytest.raises(ActorDiedError):
        ray.get(bank.deposit.remote(1))
    with pytest.raises(ValueError, match="Failed to look up actor"):
        ray.get_actor("no-such-actor")

    @ray.remote
    def forever():
        time.sleep(600)
    ref = forever.remote()
    time.sleep(0.5)
    ray.cancel(ref, force=True)
    with pytest.raises(TaskCancelledError):
        ray.get(ref, timeout=60)


def test_retries_and_bad_options(ray_context):
    @ray.remote
    class Tries:
        def __init__(self):
            self.n = 0

        def next(self):
            self.n += 1
            return self.n

    tries = Tries.remote()

    @ray.remote(max_retries=3, retry_exceptions=True)
    def flaky(t):
        if ray.get(t.next.remote()) < 3:
            raise RuntimeError("not yet")
        return "ok"
    assert ray.get(flaky.remote(tries)) == "ok"
    with pytest.raises(ValueError, match="did you mean 'num_cpus'"):
        add.options(num_cpu=1)
    with pytest.raises(TypeError, match="cannot be called directly"):
        add(1)


def test_cluster_information(ray_context):
    assert ray.is_initialized()
    assert ray.cluster_resources()["CPU"] == 2.0
    assert 0 <= ray.available_resources().get("CPU", 0) <= 2.0
    nodes = ray.nodes()
    assert len(nodes) == 1 and nodes[0]["Alive"]
    ctx = ray.get_runtime_context()
    assert ctx.get_job_id() and ctx.get_node_id() == nodes[0]["NodeID"]

    @ray.remote
    def where():
        return ray.get_runtime_context().get_task_id()
    assert ray.get(where.remote())


def test_arrow_tables_cross_without_pickling(ray_context):
    import pyarrow as pa
    table = pa.table({"x": list(range(1000)), "y": [float(i) / 2 for i in range(1000)]})
    ref = ray.put(table)
    back = ray.get(ref)
    assert isinstance(back, pa.Table) and back.equals(table)

    @ray.remote
    def stats(t):
        # a pyarrow.Table on the store's memory, as a Java driver's tables arrive
        import pyarrow.compute as pc
        return type(t).__name__, t.num_rows, pc.sum(t["x"]).as_py()
    assert ray.get(stats.remote(ref)) == ("Table", 1000, 499500)
    assert ray.get(stats.remote(table)) == ("Table", 1000, 499500)  # a table argument, put first


def test_datasets_from_a_driver_script_take_lambdas(ray_context, tmp_path):
    import glint.data
    import pyarrow.compute as pc
    ds = glint.data.range(1000).map_batches(
        lambda b: {"id": b["id"], "double": pc.multiply(b["id"], 2)}, batch_size=100)
    assert ds.count() == 1000
    assert ds.take(3) == [{"id": 0, "double": 0}, {"id": 1, "double": 2}, {"id": 2, "double": 4}]
    out = tmp_path / "out"
    ds.write_parquet(str(out))
    assert glint.data.read_parquet(str(out)).count() == 1000
