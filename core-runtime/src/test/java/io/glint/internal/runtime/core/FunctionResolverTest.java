package io.glint.internal.runtime.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glint.api.function.GlintFunc0;
import io.glint.api.function.GlintFunc1;
import io.glint.api.function.GlintFunc2;
import io.glint.internal.proto.InvocationKind;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FunctionResolverTest {
  public static int square(int x) {
    return x * x;
  }

  public static final class Box {
    private final String v;

    public Box(String v) {
      this.v = v;
    }

    public String get() {
      return v;
    }

    public String join(String other) {
      return v + other;
    }

    public CompletableFuture<String> later() {
      return CompletableFuture.completedFuture(v);
    }
  }

  private final FunctionResolver resolver = new FunctionResolver();
  private final FunctionInvoker invoker = new FunctionInvoker(getClass().getClassLoader());

  private Object call(Object func, Object... args) throws Throwable {
    FunctionResolver.Resolved r = resolver.resolve(func);
    Object[] all = new Object[r.captured().length + args.length];
    System.arraycopy(r.captured(), 0, all, 0, r.captured().length);
    System.arraycopy(args, 0, all, r.captured().length, args.length);
    return invoker.target(r.descriptor()).invoke(all);
  }

  @Test
  void staticMethodReference() throws Throwable {
    GlintFunc1<Integer, Integer> f = FunctionResolverTest::square;
    FunctionResolver.Resolved r = resolver.resolve(f);
    assertThat(r.descriptor().getModuleOrClass()).isEqualTo(FunctionResolverTest.class.getName());
    assertThat(r.descriptor().getFunctionName()).isEqualTo("square");
    assertThat(r.descriptor().getSignature()).isEqualTo("(I)I");
    assertThat(r.descriptor().getInvocationKind()).isEqualTo(InvocationKind.INVOCATION_KIND_STATIC);
    assertThat(r.displayName()).isEqualTo("FunctionResolverTest.square");
    assertThat(call(f, 7)).isEqualTo(49);
  }

  @Test
  void constructorAndInstanceMethods() throws Throwable {
    GlintFunc1<String, Box> ctor = Box::new;
    assertThat(resolver.resolve(ctor).descriptor().getInvocationKind())
        .isEqualTo(InvocationKind.INVOCATION_KIND_CONSTRUCTOR);
    Box box = (Box) call(ctor, "x");
    GlintFunc2<Box, String, String> join = Box::join;
    assertThat(call(join, box, "y")).isEqualTo("xy");
    GlintFunc0<String> bound = box::get;
    assertThat(resolver.resolve(bound).captured()).containsExactly(box);
    assertThat(call(bound)).isEqualTo("x");
  }

  @Test
  void capturingLambdasCarryTheirValues() throws Throwable {
    int offset = 5;
    GlintFunc1<Integer, Integer> f = x -> x + offset;
    assertThat(resolver.resolve(f).captured()).containsExactly(5);
    assertThat(call(f, 1)).isEqualTo(6);
  }

  @Test
  void asyncTargetsAreRecognised() {
    GlintFunc1<Box, CompletableFuture<String>> f = Box::later;
    assertThat(invoker.target(resolver.resolve(f).descriptor()).async()).isTrue();
    GlintFunc1<Box, String> g = Box::get;
    assertThat(invoker.target(resolver.resolve(g).descriptor()).async()).isFalse();
  }

  @Test
  void missingClassesSayWhatToDo() {
    var d =
        resolver
            .resolve((GlintFunc1<Integer, Integer>) FunctionResolverTest::square)
            .descriptor()
            .toBuilder()
            .setModuleOrClass("com.nowhere.Missing")
            .build();
    assertThatThrownBy(() -> invoker.target(d)).hasMessageContaining("glint.job.codePath");
    assertThatThrownBy(() -> resolver.resolve("not a function"))
        .hasMessageContaining("method reference");
  }
}
