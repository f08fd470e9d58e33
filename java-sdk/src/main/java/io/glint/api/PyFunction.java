package io.glint.api;

import java.util.Objects;

/**
 * A Python function, called as a remote task from Java or Kotlin. Arguments and results cross as
 * XLANG values (null, booleans, numbers, strings, bytes, lists, maps, records as maps, ObjectRefs).
 *
 * <pre>{@code
 * PyFunction<Integer> square = PyFunction.of("mylib.math", "square", Integer.class);
 * int sixteen = Glint.get(Glint.task(square, 4).remote());
 * }</pre>
 *
 * @param <R> the Java type the result is converted to
 */
public final class PyFunction<R> {
  private final String module;
  private final String function;
  private final Class<R> returnType;

  private PyFunction(String module, String function, Class<R> returnType) {
    this.module = requireName(module, "module");
    this.function = requireName(function, "function");
    this.returnType = Objects.requireNonNull(returnType, "returnType");
  }

  /** {@code module.function}, its result converted to {@code returnType}. */
  public static <R> PyFunction<R> of(String module, String function, Class<R> returnType) {
    return new PyFunction<>(module, function, returnType);
  }

  /** {@code module.function}, its result as decoded (Long, Double, String, List, Map, ...). */
  public static PyFunction<Object> of(String module, String function) {
    return new PyFunction<>(module, function, Object.class);
  }

  public String module() {
    return module;
  }

  public String function() {
    return function;
  }

  public Class<R> returnType() {
    return returnType;
  }

  static String requireName(String s, String what) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException("Python " + what + " name must not be empty");
    }
    return s;
  }

  @Override
  public String toString() {
    return module + "." + function;
  }
}
