package io.glint.api;

/**
 * A Python class whose instances become actors.
 *
 * <pre>{@code
 * ActorHandle<PyActorClass> counter =
 *     Glint.actor(PyActorClass.of("mylib.counters", "Counter"), 10).remote();
 * Glint.get(counter.task(PyActorMethod.of("increment", Integer.class)).remote());
 * }</pre>
 */
public final class PyActorClass {
  private final String module;
  private final String className;

  private PyActorClass(String module, String className) {
    this.module = PyFunction.requireName(module, "module");
    this.className = PyFunction.requireName(className, "class");
  }

  public static PyActorClass of(String module, String className) {
    return new PyActorClass(module, className);
  }

  public String module() {
    return module;
  }

  public String className() {
    return className;
  }

  @Override
  public String toString() {
    return module + "." + className;
  }
}
