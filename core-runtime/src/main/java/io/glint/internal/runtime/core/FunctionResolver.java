package io.glint.internal.runtime.core;

import io.glint.api.function.GlintFunc;
import io.glint.internal.proto.FunctionDescriptor;
import io.glint.internal.proto.InvocationKind;
import io.glint.internal.proto.Language;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a {@link GlintFunc} (a method reference or lambda) into the language-neutral {@link
 * FunctionDescriptor} of the method it refers to, plus the values it captured (a bound receiver, or
 * a lambda's captured variables), which travel as leading arguments.
 */
public final class FunctionResolver {
  /**
   * A resolved function. {@code resultType} is set for functions in another language: their results
   * arrive as XLANG values and are converted to it.
   */
  public record Resolved(
      FunctionDescriptor descriptor, Object[] captured, String displayName, Class<?> resultType) {
    public Resolved(FunctionDescriptor descriptor, Object[] captured, String displayName) {
      this(descriptor, captured, displayName, null);
    }

    public boolean crossLanguage() {
      return descriptor.getLanguage() != Language.LANGUAGE_JAVA;
    }
  }

  /**
   * A Java method named from another language (no signature: matched by name). With an empty class
   * name it is an instance method of the actor it is called on.
   */
  public record JavaMethodByName(String className, String methodName) {}

  /** A Java class's constructor named from another language (matched by arity). */
  public record JavaConstructorByName(String className) {}

  /**
   * A Python callable reached through {@code module.function} (an actor class when {@code
   * constructor}), shown as {@code displayName}: how a Python caller's own functions and classes
   * run (see {@code glint._remote}).
   */
  public record PythonNamed(
      String module, String function, String displayName, boolean constructor) {}

  private record Static(FunctionDescriptor descriptor, String displayName) {}

  private final ConcurrentHashMap<Class<?>, Static> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Class<?>, Method> writeReplace = new ConcurrentHashMap<>();

  public Resolved resolve(Object func) {
    switch (func) {
      case io.glint.api.PyFunction<?> f -> {
        return new Resolved(
            python(f.module(), f.function(), InvocationKind.INVOCATION_KIND_STATIC),
            NO_ARGS,
            f.toString(),
            f.returnType());
      }
      case io.glint.api.PyActorClass c -> {
        return new Resolved(
            python(c.module(), c.className(), InvocationKind.INVOCATION_KIND_CONSTRUCTOR),
            NO_ARGS,
            c.toString(),
            Object.class);
      }
      case io.glint.api.PyActorMethod<?> m -> {
        return new Resolved(
            python("", m.name(), InvocationKind.INVOCATION_KIND_VIRTUAL),
            NO_ARGS,
            m.name(),
            m.returnType());
      }
      case PythonNamed p -> {
        return new Resolved(
            python(
                p.module(),
                p.function(),
                p.constructor()
                    ? InvocationKind.INVOCATION_KIND_CONSTRUCTOR
                    : InvocationKind.INVOCATION_KIND_STATIC),
            NO_ARGS,
            p.displayName(),
            Object.class);
      }
      case JavaMethodByName j -> {
        boolean instance = j.className().isEmpty();
        return new Resolved(
            FunctionDescriptor.newBuilder()
                .setLanguage(Language.LANGUAGE_JAVA)
                .setModuleOrClass(j.className())
                .setFunctionName(j.methodName())
                .setInvocationKind(
                    instance
                        ? InvocationKind.INVOCATION_KIND_VIRTUAL
                        : InvocationKind.INVOCATION_KIND_STATIC)
                .build(),
            NO_ARGS,
            instance
                ? j.methodName()
                : j.className().substring(j.className().lastIndexOf('.') + 1)
                    + "."
                    + j.methodName(),
            Object.class);
      }
      case JavaConstructorByName c -> {
        return new Resolved(
            FunctionDescriptor.newBuilder()
                .setLanguage(Language.LANGUAGE_JAVA)
                .setModuleOrClass(c.className())
                .setFunctionName("<init>")
                .setInvocationKind(InvocationKind.INVOCATION_KIND_CONSTRUCTOR)
                .build(),
            NO_ARGS,
            c.className().substring(c.className().lastIndexOf('.') + 1),
            Object.class);
      }
      default -> {}
    }
    if (!(func instanceof GlintFunc)) {
      throw new IllegalArgumentException(
          "Not a remote function: "
              + (func == null ? "null" : func.getClass().getName())
              + " (pass a method reference such as MyFns::square)");
    }
    Class<?> cls = func.getClass();
    SerializedLambda sl = null;
    Static s = cache.get(cls);
    if (s == null) {
      sl = serializedLambda(func);
      s = describe(sl);
      // The message is shared by every task of this function: turn its strings into bytes once
      // (protobuf keeps them), so sending a task copies them rather than encoding them anew.
      s.descriptor.getModuleOrClassBytes();
      s.descriptor.getFunctionNameBytes();
      s.descriptor.getSignatureBytes();
      cache.put(cls, s);
    }
    Object[] captured = NO_ARGS;
    // Only lambdas that capture nothing are singletons; otherwise read the captured values.
    if (hasCapturedState(cls)) {
      if (sl == null) {
        sl = serializedLambda(func);
      }
      captured = new Object[sl.getCapturedArgCount()];
      for (int i = 0; i < captured.length; i++) {
        captured[i] = sl.getCapturedArg(i);
      }
    }
    return new Resolved(s.descriptor, captured, s.displayName);
  }

  private static final Object[] NO_ARGS = new Object[0];

  private static FunctionDescriptor python(String module, String name, InvocationKind kind) {
    return FunctionDescriptor.newBuilder()
        .setLanguage(Language.LANGUAGE_PYTHON)
        .setModuleOrClass(module)
        .setFunctionName(name)
        .setInvocationKind(kind)
        .build();
  }

  private static boolean hasCapturedState(Class<?> lambdaClass) {
    for (var f : lambdaClass.getDeclaredFields()) {
      if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
        return true;
      }
    }
    return false;
  }

  private SerializedLambda serializedLambda(Object func) {
    try {
      Method m =
          writeReplace.computeIfAbsent(
              func.getClass(),
              c -> {
                try {
                  Method wr = c.getDeclaredMethod("writeReplace");
                  wr.setAccessible(true);
                  return wr;
                } catch (NoSuchMethodException e) {
                  throw new IllegalArgumentException(
                      "Not a lambda or method reference: "
                          + c.getName()
                          + " (pass a method reference such as MyFns::square)");
                }
              });
      Object r = m.invoke(func);
      if (!(r instanceof SerializedLambda sl)) {
        throw new IllegalArgumentException("Not a lambda or method reference: " + func.getClass());
      }
      return sl;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Cannot inspect remote function " + func.getClass(), e);
    }
  }

  private static Static describe(SerializedLambda sl) {
    InvocationKind kind =
        switch (sl.getImplMethodKind()) {
          case MethodHandleInfo.REF_invokeStatic -> InvocationKind.INVOCATION_KIND_STATIC;
          case MethodHandleInfo.REF_newInvokeSpecial -> InvocationKind.INVOCATION_KIND_CONSTRUCTOR;
          case MethodHandleInfo.REF_invokeVirtual,
              MethodHandleInfo.REF_invokeInterface,
              MethodHandleInfo.REF_invokeSpecial ->
              InvocationKind.INVOCATION_KIND_VIRTUAL;
          default ->
              throw new IllegalArgumentException(
                  "Unsupported method reference kind " + sl.getImplMethodKind());
        };
    String className = sl.getImplClass().replace('/', '.');
    FunctionDescriptor d =
        FunctionDescriptor.newBuilder()
            .setLanguage(Language.LANGUAGE_JAVA)
            .setModuleOrClass(className)
            .setFunctionName(sl.getImplMethodName())
            .setSignature(sl.getImplMethodSignature())
            .setInvocationKind(kind)
            .build();
    String simple = className.substring(className.lastIndexOf('.') + 1);
    String method = sl.getImplMethodName();
    return new Static(d, method.equals("<init>") ? simple : simple + "." + method);
  }

  /** A display name for a descriptor, e.g. {@code Fns.square}. */
  public static String displayName(FunctionDescriptor d) {
    String c = d.getModuleOrClass();
    String simple = c.substring(c.lastIndexOf('.') + 1);
    return d.getFunctionName().equals("<init>") ? simple : simple + "." + d.getFunctionName();
  }
}
