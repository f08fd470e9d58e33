package io.glint.internal.runtime.common;

import io.glint.internal.proto.Address;
import io.grpc.ManagedChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/** One channel per remote address, shared by every stub talking to it. */
public final class ChannelPool implements AutoCloseable {
  private final String token;
  private final Executor executor;
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param executor where callbacks run; null runs them on transport threads (must not block)
   */
  public ChannelPool(String token, Executor executor) {
    this.token = token;
    this.executor = executor;
  }

  public ManagedChannel get(Address address) {
    return get(address.getHost(), address.getPort());
  }

  public ManagedChannel get(String host, int port) {
    if (closed) {
      throw new IllegalStateException("channel pool is closed");
    }
    return channels.computeIfAbsent(
        host + ":" + port, k -> Grpc.channel(host, port, token, executor));
  }

  /** Closes the channels to every address but those in {@code keep} ({@code host:port}). */
  public void retainOnly(java.util.Set<String> keep) {
    channels
        .entrySet()
        .removeIf(
            e -> {
              if (keep.contains(e.getKey())) {
                return false;
              }
              e.getValue().shutdownNow();
              return true;
            });
  }

  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.values().forEach(Grpc::shutdown);
    channels.clear();
  }
}
