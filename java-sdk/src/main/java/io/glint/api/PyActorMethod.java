package io.glint.api;

import java.util.Objects;

/**
 * A method of a Python actor; call it with {@code handle.task(method, args...)}.
 *
 * @param <R> the Java type the result is converted to
 */
public final class PyActorMethod<R> {
  private final String name;
  private final Class<R> returnType;

  private PyActorMethod(String name, Class<R> returnType) {
    this.name = PyFunction.requireName(name, "method");
    this.returnType = Objects.requireNonNull(returnType, "returnType");
  }

  public static <R> PyActorMethod<R> of(String name, Class<R> returnType) {
    return new PyActorMethod<>(name, returnType);
  }

  public static PyActorMethod<Object> of(String name) {
    return new PyActorMethod<>(name, Object.class);
  }

  public String name() {
    return name;
  }

  public Class<R> returnType() {
    return returnType;
  }

  @Override
  public String toString() {
    return name;
  }
}
