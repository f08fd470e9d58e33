"""Pieces of the Python side that need no cluster: value encoding, option checks, error mapping."""
import pytest

from glint import _remote, _values
from glint.exceptions import (ActorDiedError, GetTimeoutError, GlintTaskError, RayTaskError,
                              from_reply)


class Box:
    def __init__(self, items):
        self.items = items


def test_pickled_values_carry_their_refs_beside_them():
    a, b = _values.ObjectRef(b"ref-a"), _values.ObjectRef(b"ref-b")
    data = _values.pack(_values.Pickled(Box([a, (b, a)])))
    back = _values.unpack(data)
    assert isinstance(back, Box) and back.items[0] == a and back.items[1] == (b, a)
    # the refs are ordinary XLANG refs in the array, where Java's reference counting sees them
    import msgpack
    raw = msgpack.unpackb(data, raw=False)
    assert raw[0].code == _values.PICKLE_EXT
    assert [x.code for x in raw[1:]] == [_values.OBJECT_REF_EXT] * 3


def test_values_messagepack_keeps_exactly_stay_plain():
    for v in [None, True, 3, 2.5, "s", b"b", [1, [2, "x"]], {"k": {1: None}}]:
        assert _remote.encode(v) is v
    for v in [(1, 2), {1, 2}, 2 ** 70, Box([]), {(1, 2): 3}, [1, (2,)]]:
        assert isinstance(_remote.encode(v), _values.Pickled)


def test_options_are_checked_with_a_suggestion():
    def f():
        return 1
    with pytest.raises(ValueError, match="did you mean 'max_retries'"):
        _remote.RemoteFunction(f, {"max_retry": 1})
    with pytest.raises(ValueError, match="'num_cpus' must be a number"):
        _remote.RemoteFunction(f, {"num_cpus": -1})
    with pytest.raises(ValueError, match="num_gpus"):
        _remote.ActorClass(Box, {"resources": {"GPU": 1}})


def test_failures_map_to_rays_exception_shapes():
    err = from_reply({"kind": "TaskFailure", "type": "ZeroDivisionError", "message": "division by zero",
                      "traceback": "Traceback ...\nZeroDivisionError: division by zero",
                      "language": "PYTHON",
                      "summary": "Task fail (pid=7) failed with ZeroDivisionError: division by zero"})
    assert isinstance(err, ZeroDivisionError) and isinstance(err, RayTaskError)
    assert isinstance(err, GlintTaskError) and str(err).startswith("glint::fail (pid=7)\nTraceback")
    java = from_reply({"kind": "TaskFailure", "type": "java.lang.IllegalStateException",
                       "message": "no", "traceback": "at X", "language": "JAVA"})
    assert type(java) is GlintTaskError and java.type == "java.lang.IllegalStateException"
    assert isinstance(from_reply({"kind": "GetTimeoutException"}), GetTimeoutError)
    assert isinstance(from_reply({"kind": "GetTimeoutException"}), TimeoutError)
    assert isinstance(from_reply({"kind": "ActorDiedFailure"}), ActorDiedError)
    bad = from_reply({"kind": "IllegalArgumentException", "type": "java.lang.IllegalArgumentException",
                      "message": "strategy must be PACK"})
    assert isinstance(bad, ValueError) and str(bad) == "strategy must be PACK"
