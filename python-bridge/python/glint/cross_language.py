"""Calling Java from Python: glint.cross_language.java_function(cls, method).remote(*args)."""
from glint import _runtime


class JavaFunction:
    def __init__(self, class_name, method_name):
        self.class_name = class_name
        self.method_name = method_name

    def remote(self, *args):
        """Submits the Java static method as a task; returns an ObjectRef to its result."""
        return _runtime._request("submit_java", cls=self.class_name, method=self.method_name, args=list(args))


class JavaActorClass:
    def __init__(self, class_name):
        self.class_name = class_name

    def remote(self, *args):
        handle = _runtime._request("create_java_actor", cls=self.class_name, args=list(args))
        return JavaActorHandle(handle)


class JavaActorHandle:
    def __init__(self, actor_id):
        self._actor_id = actor_id

    def method(self, name):
        return _JavaActorMethod(self._actor_id, name)


class _JavaActorMethod:
    def __init__(self, actor_id, name):
        self._actor_id = actor_id
        self._name = name

    def remote(self, *args):
        return _runtime._request("call_java_actor", actor=self._actor_id, method=self._name, args=list(args))


def java_function(class_name, method_name):
    """A Java static method callable from Python as a remote task."""
    return JavaFunction(class_name, method_name)


def java_actor_class(class_name):
    """A Java class whose instances become actors; create one with .remote(*args)."""
    return JavaActorClass(class_name)
