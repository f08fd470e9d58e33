"""Glint's Python API, for Python code running as Glint tasks and actors.

    import glint
    x = glint.get(ref)               # read an object
    ref = glint.put([1, 2, 3])       # store one
    ready, rest = glint.wait(refs, num_returns=1, timeout=5.0)
    square = glint.cross_language.java_function("com.acme.Fns", "square")
    glint.get(square.remote(4))      # 16
"""
from glint._values import ObjectRef
from glint._runtime import get, put, wait
from glint import cross_language

__all__ = ["ObjectRef", "get", "put", "wait", "cross_language"]
