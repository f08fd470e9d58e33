"""Fixtures for the Python driver's tests, in the seed's style (init ... yield ... shutdown)."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
# The package from this source tree, unless the test run installed one (the wheel test does).
if os.environ.get("GLINT_TEST_INSTALLED") != "1":
    sys.path.insert(0, os.path.dirname(HERE))

import glint as ray  # noqa: E402


@pytest.fixture(scope="module")
def ray_context():
    ray.init(num_cpus=2)
    yield
    ray.shutdown()
