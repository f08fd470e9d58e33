package io.glint.internal.runtime.common;

import io.grpc.stub.StreamObserver;

/** Small helpers for gRPC observers. */
public final class Rpc {
  private Rpc() {}

  /** An observer that drops the reply (fire-and-forget calls). */
  public static <T> StreamObserver<T> ignore() {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  /**
   * Runs {@code r} outside the current gRPC context. Calls started inside a server handler
   * otherwise inherit its context and are cancelled the moment that handler's call completes.
   */
  public static void detached(Runnable r) {
    io.grpc.Context.ROOT.run(r);
  }

  /** Replies once and completes. */
  public static <T> void reply(StreamObserver<T> obs, T value) {
    obs.onNext(value);
    obs.onCompleted();
  }
}
