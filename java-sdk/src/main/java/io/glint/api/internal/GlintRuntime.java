package io.glint.api.internal;

import io.glint.api.ActorHandle;
import io.glint.api.ActorOptions;
import io.glint.api.CallOptions;
import io.glint.api.ObjectRef;
import io.glint.api.RuntimeContext;
import io.glint.api.WaitResult;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the {@code Glint} facade delegates to. Implemented by {@code glint-core-runtime}, found
 * through {@link GlintRuntimeProvider}. Internal: not part of the public API; may change without
 * notice.
 */
public interface GlintRuntime {
  <R> ObjectRef<R> submitTask(Object func, Object[] args, CallOptions options);

  <A> ActorHandle<A> createActor(Object func, Object[] args, ActorOptions options);

  <R> ObjectRef<R> submitActorTask(ActorHandle<?> actor, Object func, Object[] args, String name);

  <T> ObjectRef<T> put(T value);

  /** Blocks up to {@code timeoutMs} (negative: forever). */
  <T> T get(ObjectRef<T> ref, long timeoutMs);

  <T> List<T> get(List<? extends ObjectRef<? extends T>> refs, long timeoutMs);

  <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, long timeoutMs);

  <T> CompletableFuture<T> toCompletableFuture(ObjectRef<T> ref);

  void cancel(ObjectRef<?> ref, boolean force);

  void kill(ActorHandle<?> actor, boolean noRestart);

  <A> Optional<ActorHandle<A>> getActor(String name, String namespace);

  Map<String, Double> clusterResources();

  io.glint.api.PlacementGroup createPlacementGroup(
      io.glint.api.PlacementGroupCreationOptions options);

  void removePlacementGroup(io.glint.api.PlacementGroup group);

  java.util.Optional<io.glint.api.PlacementGroup> getPlacementGroup(String name);

  java.util.List<io.glint.api.PlacementGroups.TableEntry> placementGroupTable();

  /** The cluster's nodes. */
  java.util.List<io.glint.api.NodeInfo> nodes();

  Map<String, Double> availableResources();

  RuntimeContext runtimeContext();

  List<io.glint.api.ObjectStoreStats> objectStoreStats();

  /** The cluster's dashboard, {@code http://host:port}, when one runs. */
  default java.util.Optional<String> dashboardUrl() {
    return java.util.Optional.empty();
  }

  /** Replaces the cluster's standing resource request (the autoscaler keeps room for it). */
  default void requestResources(List<Map<String, Double>> bundles) {
    throw new UnsupportedOperationException("this runtime has no autoscaler");
  }

  void shutdown();
}
