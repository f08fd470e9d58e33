package io.glint.internal.runtime.core;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;

/**
 * A call from a Python driver into a library's Java entry point in the driver's own process
 * (Python's {@code glint.tune} runs its experiments through {@code io.glint.tune.PythonTune.fit}):
 * a public static method of a class on the driver's class path, found by name and arity, with XLANG
 * values as arguments. The library's exception reaches Python as itself, not wrapped.
 */
final class StaticCall {
  private StaticCall() {}

  static Object call(String className, String methodName, List<?> args) {
    Class<?> cls;
    try {
      cls = Class.forName(className, true, StaticCall.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "no class " + className + " on this driver's class path (is its module installed?)");
    }
    Method target = null;
    for (Method m : cls.getMethods()) {
      if (m.getName().equals(methodName)
          && Modifier.isStatic(m.getModifiers())
          && m.getParameterCount() == args.size()) {
        target = m;
      }
    }
    if (target == null) {
      throw new IllegalArgumentException(
          "no public static "
              + className
              + "."
              + methodName
              + " taking "
              + args.size()
              + " argument(s)");
    }
    try {
      return target.invoke(null, args.toArray());
    } catch (InvocationTargetException e) {
      throw StaticCall.<RuntimeException>rethrow(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Throws the library's own exception, checked or not, so Python sees its type. */
  @SuppressWarnings("unchecked")
  private static <T extends Throwable> T rethrow(Throwable t) throws T {
    throw (T) t;
  }
}
