package io.glint.internal.runtime.core;

import io.glint.internal.proto.FunctionDescriptor;
import io.glint.internal.proto.InvocationKind;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Worker side of {@link FunctionResolver}: finds the method a descriptor names in the job's code
 * and invokes it with an argument array (receiver first for instance methods).
 */
public final class FunctionInvoker {
  /** A callable target. {@code async} when it returns a CompletionStage. */
  public record Target(MethodHandle spreader, int arity, boolean async, String displayName) {
    public Object invoke(Object[] args) throws Throwable {
      if (args.length != arity) {
        throw new IllegalArgumentException(
            displayName + " takes " + arity + " arguments, got " + args.length);
      }
      return spreader.invoke(args);
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
      MethodType type = MethodType.fromMethodDescriptorString(d.getSignature(), loader);
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(cls, MethodHandles.lookup());
      MethodHandle mh;
      Class<?> returnType;
      if (d.getInvocationKind() == InvocationKind.INVOCATION_KIND_CONSTRUCTOR) {
        Constructor<?> c = cls.getDeclaredConstructor(type.parameterArray());
        mh = lookup.unreflectConstructor(c);
        returnType = cls;
      } else {
        Method m = cls.getDeclaredMethod(d.getFunctionName(), type.parameterArray());
        if (m.getReturnType() != type.returnType()) {
          throw new NoSuchMethodException(d.getFunctionName() + d.getSignature());
        }
        mh = lookup.unreflect(m);
        returnType = m.getReturnType();
      }
      int arity = mh.type().parameterCount();
      MethodHandle generic = mh.asType(mh.type().generic());
      MethodHandle spreader = generic.asSpreader(Object[].class, arity);
      boolean async = CompletionStage.class.isAssignableFrom(returnType);
      return new Target(spreader, arity, async, name);
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
}
