package io.glint.internal.runtime.core;

import io.glint.internal.proto.FunctionDescriptor;
import io.glint.internal.proto.InvocationKind;
import io.glint.internal.runtime.serialization.XlangCodec;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Worker side of {@link FunctionResolver}: finds the method a descriptor names in the job's code
 * and invokes it with an argument array (receiver first for instance methods).
 *
 * <p>Descriptors from Java carry the exact JVM signature. Descriptors written in another language
 * name the method only (empty signature): the method with that name and the call's number of
 * arguments is used, and arguments are converted to its parameter types.
 */
public final class FunctionInvoker {
  /** One invocable method: a spread handle taking {@code Object[]}. */
  private record Callable(MethodHandle spreader, Class<?>[] params, boolean async) {}

  /** A callable target: the method, or (by name) its overloads by number of arguments. */
  public static final class Target {
    private final Map<Integer, Callable> byArity;
    private final String displayName;

    Target(Map<Integer, Callable> byArity, String displayName) {
      this.byArity = byArity;
      this.displayName = displayName;
    }

    /** Whether the method returns a CompletionStage (an async actor method). */
    public boolean async() {
      return byArity.values().stream().anyMatch(Callable::async);
    }

    public Object invoke(Object[] args) throws Throwable {
      Callable c = byArity.get(args.length);
      if (c == null) {
        throw new IllegalArgumentException(
            displayName + " takes " + byArity.keySet() + " arguments, got " + args.length);
      }
      // Values from another language arrive as XLANG (Long, Double, List, Map): fit them.
      for (int i = 0; i < args.length; i++) {
        args[i] = XlangCodec.convert(args[i], c.params()[i]);
      }
      return c.spreader().invoke(args);
    }
  }

  private final ClassLoader loader;
  private final ConcurrentHashMap<FunctionDescriptor, Target> cache = new ConcurrentHashMap<>();

  public FunctionInvoker(ClassLoader loader) {
    this.loader = loader;
  }

  public Target target(FunctionDescriptor d) {
    Target t = cache.get(d);
    if (t == null) {
      t = load(d);
      cache.put(d, t);
    }
    return t;
  }

  private Target load(FunctionDescriptor d) {
    String name = FunctionResolver.displayName(d);
    try {
      Class<?> cls = Class.forName(d.getModuleOrClass(), true, loader);
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(cls, MethodHandles.lookup());
      List<Executable> candidates = new ArrayList<>();
      if (d.getSignature().isEmpty()) {
        candidates.addAll(byName(cls, d));
      } else {
        MethodType type = MethodType.fromMethodDescriptorString(d.getSignature(), loader);
        if (d.getInvocationKind() == InvocationKind.INVOCATION_KIND_CONSTRUCTOR) {
          candidates.add(cls.getDeclaredConstructor(type.parameterArray()));
        } else {
          Method m = cls.getDeclaredMethod(d.getFunctionName(), type.parameterArray());
          if (m.getReturnType() != type.returnType()) {
            throw new NoSuchMethodException(d.getFunctionName() + d.getSignature());
          }
          candidates.add(m);
        }
      }
      Map<Integer, Callable> byArity = new HashMap<>();
      for (Executable e : candidates) {
        MethodHandle mh =
            e instanceof Constructor<?> c
                ? lookup.unreflectConstructor(c)
                : lookup.unreflect((Method) e);
        int arity = mh.type().parameterCount();
        boolean async =
            e instanceof Method m && CompletionStage.class.isAssignableFrom(m.getReturnType());
        // By name, subclasses come first: an override hides the method it overrides.
        byArity.putIfAbsent(
            arity,
            new Callable(
                mh.asType(mh.type().generic()).asSpreader(Object[].class, arity),
                mh.type().parameterArray(),
                async));
      }
      return new Target(byArity, name);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "Class "
              + d.getModuleOrClass()
              + " of remote function "
              + name
              + " is not on the worker's class path; add its jar to glint.job.codePath",
          e);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(
          "Method "
              + d.getFunctionName()
              + d.getSignature()
              + " not found in "
              + d.getModuleOrClass()
              + "; the worker's code differs from the driver's",
          e);
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      throw new IllegalStateException("Cannot load remote function " + name + ": " + e, e);
    }
  }

  /** Methods (static, instance) or constructors named from another language. */
  private static List<Executable> byName(Class<?> cls, FunctionDescriptor d)
      throws NoSuchMethodException {
    List<Executable> out = new ArrayList<>();
    switch (d.getInvocationKind()) {
      case INVOCATION_KIND_CONSTRUCTOR -> {
        for (Constructor<?> c : cls.getDeclaredConstructors()) {
          if (Modifier.isPublic(c.getModifiers())) {
            out.add(c);
          }
        }
      }
      default -> {
        boolean wantStatic = d.getInvocationKind() == InvocationKind.INVOCATION_KIND_STATIC;
        for (Class<?> k = cls; k != null && k != Object.class; k = k.getSuperclass()) {
          for (Method m : k.getDeclaredMethods()) {
            if (m.getName().equals(d.getFunctionName())
                && Modifier.isStatic(m.getModifiers()) == wantStatic
                && !m.isSynthetic()) {
              out.add(m);
            }
          }
        }
      }
    }
    if (out.isEmpty()) {
      throw new NoSuchMethodException(d.getFunctionName());
    }
    return out;
  }
}
