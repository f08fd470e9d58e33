package io.glint.internal.runtime.common;

import io.grpc.BindableService;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * gRPC plumbing shared by every Glint server and client: servers on ephemeral ports that refuse
 * calls without the cluster's secret token, and channels that present it.
 */
public final class Grpc {
  /** The metadata header carrying the cluster token. */
  public static final Metadata.Key<String> TOKEN_HEADER =
      Metadata.Key.of("glint-token", Metadata.ASCII_STRING_MARSHALLER);

  public static final int MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

  /**
   * Per-stream flow-control window: object transfers send 4 MiB chunks; with gRPC's 1 MiB default
   * every chunk would wait for several window updates.
   */
  public static final int FLOW_CONTROL_WINDOW = 16 << 20;

  private Grpc() {}

  /** A fresh random token (256 bits, hex). */
  public static String newToken() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * Starts a server on {@code host} with an ephemeral port. Every call must carry {@code token}.
   * Handlers run on {@code executor} (null: the transport thread, for non-blocking services).
   */
  public static Server startServer(
      String host, List<BindableService> services, String token, Executor executor) {
    return startServer(host, 0, services, token, executor);
  }

  /** As {@link #startServer(String, List, String, Executor)} on {@code port} (0: ephemeral). */
  public static Server startServer(
      String host, int port, List<BindableService> services, String token, Executor executor) {
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .flowControlWindow(FLOW_CONTROL_WINDOW)
            .permitKeepAliveTime(1, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    if (executor == null) {
      b.directExecutor();
    } else {
      b.executor(executor);
    }
    TokenCheck check = new TokenCheck(token);
    for (BindableService s : services) {
      b.addService(ServerInterceptors.intercept(s, check));
    }
    try {
      return b.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot listen on "
              + host
              + ":"
              + port
              + " ("
              + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())
              + ")",
          e);
    }
  }

  /**
   * A channel to {@code host:port} presenting {@code token}. Callbacks run on the transport thread
   * when {@code executor} is null, so they must not block.
   */
  public static ManagedChannel channel(String host, int port, String token, Executor executor) {
    Metadata md = new Metadata();
    md.put(TOKEN_HEADER, token);
    NettyChannelBuilder b =
        NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .flowControlWindow(FLOW_CONTROL_WINDOW)
            .intercept(MetadataUtils.newAttachHeadersInterceptor(md));
    if (executor == null) {
      b.directExecutor();
    } else {
      b.executor(executor);
    }
    return b.build();
  }

  public static void shutdown(Server server) {
    if (server == null) {
      return;
    }
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static void shutdown(ManagedChannel channel) {
    if (channel == null) {
      return;
    }
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Refuses calls whose token header is missing or wrong (constant-time comparison). */
  static final class TokenCheck implements ServerInterceptor {
    private final byte[] expected;

    TokenCheck(String token) {
      this.expected = token.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      String presented = headers.get(TOKEN_HEADER);
      if (presented == null
          || !MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.US_ASCII))) {
        call.close(
            Status.UNAUTHENTICATED.withDescription(
                "missing or wrong cluster token: this Glint cluster only accepts callers that"
                    + " present its token; set GLINT_TOKEN to the token glint start --head"
                    + " printed"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          next.startCall(call, headers)) {};
    }
  }
}
