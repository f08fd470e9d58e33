"""Python half of the protocol round trip: read a TaskSpec written by Java, check it, answer."""
import sys

from glint.v1 import common_pb2, task_pb2


def main(inp: str, out: str) -> None:
    spec = task_pb2.TaskSpec()
    with open(inp, "rb") as f:
        spec.ParseFromString(f.read())
    assert spec.type == task_pb2.TASK_TYPE_NORMAL_TASK, spec.type
    assert spec.function.language == common_pb2.LANGUAGE_JAVA
    assert spec.function.module_or_class == "com.acme.Fns"
    assert spec.function.function_name == "square"
    assert spec.function.signature == "(I)I"
    assert spec.required_resources.quantities["CPU"] == 1.0
    assert spec.required_resources.quantities["GPU"] == 0.5
    assert spec.args[0].value.format == common_pb2.VALUE_FORMAT_XLANG
    assert spec.args[0].value.payload == b"\x04"
    assert spec.args[1].object.ref.owner.port == 4321
    assert spec.max_retries == 3
    assert spec.name == "Fns.square"

    reply = task_pb2.TaskResult()
    reply.task_id = spec.task_id
    ret = reply.returns.add()
    ret.object_id = spec.task_id + b"\x00\x00\x00\x01"
    ret.value.format = common_pb2.VALUE_FORMAT_XLANG
    ret.value.payload = b"\x10"
    reply.failure.type = "ValueError"
    reply.failure.origin_language = common_pb2.LANGUAGE_PYTHON
    reply.failure.kind = common_pb2.FAILURE_KIND_TASK_ERROR
    with open(out, "wb") as f:
        f.write(reply.SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
