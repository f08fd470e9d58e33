package io.glint.internal.runtime.core;

import com.google.protobuf.ByteString;
import io.glint.internal.proto.DefaultSchedulingStrategy;
import io.glint.internal.proto.SchedulingStrategy;
import io.glint.internal.runtime.common.Ids;
import io.glint.internal.runtime.common.ResourceSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What tasks submitted with the same options share, made once: the resource set a task asks for
 * (with its protobuf form), the default scheduling strategy, the task's name as bytes. A driver
 * that submits a million tasks at once holds one copy of each rather than a million (issue 21's
 * <i>1M tiny tasks</i>: about 300 bytes a pending task).
 */
final class TaskShapes {
  /** The strategy of a task that names none. */
  static final SchedulingStrategy DEFAULT_STRATEGY =
      SchedulingStrategy.newBuilder()
          .setDefaultStrategy(DefaultSchedulingStrategy.getDefaultInstance())
          .build();

  /** The protobuf form of a task's or actor's strategy (the default one made once). */
  static SchedulingStrategy strategy(io.glint.api.SchedulingStrategy s) {
    return switch (s) {
      case io.glint.api.SchedulingStrategy.Default d -> DEFAULT_STRATEGY;
      case io.glint.api.SchedulingStrategy.Spread sp ->
          SchedulingStrategy.newBuilder()
              .setSpread(io.glint.internal.proto.SpreadSchedulingStrategy.getDefaultInstance())
              .build();
      case io.glint.api.SchedulingStrategy.NodeAffinity na ->
          SchedulingStrategy.newBuilder()
              .setNodeAffinity(
                  io.glint.internal.proto.NodeAffinitySchedulingStrategy.newBuilder()
                      .setNodeId(Ids.fromHex(na.nodeId()))
                      .setSoft(na.soft()))
              .build();
      case io.glint.api.SchedulingStrategy.InPlacementGroup pg ->
          SchedulingStrategy.newBuilder()
              .setPlacementGroup(
                  io.glint.internal.proto.PlacementGroupSchedulingStrategy.newBuilder()
                      .setPlacementGroupId(PlacementGroupClient.idOf(pg.group()))
                      .setBundleIndex(pg.bundleIndex())
                      .setCaptureChildTasks(pg.captureChildTasks()))
              .build();
    };
  }

  /** Past this many distinct shapes new ones are made per call, not kept (no unbounded growth). */
  private static final int MAX_SHAPES = 256;

  private static final ResourceSet ONE_CPU = ResourceSet.of(ResourceSet.CPU, 1.0);

  private final ConcurrentHashMap<Map<String, Double>, ResourceSet> shapes =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ByteString> names = new ConcurrentHashMap<>();

  /** A task name as UTF-8 bytes, encoded once per name (a task's spec is sent as bytes). */
  ByteString name(String name) {
    ByteString b = names.get(name);
    if (b == null) {
      b = ByteString.copyFromUtf8(name);
      if (names.size() < MAX_SHAPES) {
        names.putIfAbsent(name, b);
      }
    }
    return b;
  }

  /**
   * What a task asks to run, or an actor to be placed: one CPU unless {@code requested} says
   * otherwise, plus what it asks.
   */
  ResourceSet taskResources(Map<String, Double> requested) {
    if (requested.isEmpty()) {
      return ONE_CPU;
    }
    ResourceSet r = shapes.get(requested);
    if (r != null) {
      return r;
    }
    Map<String, Double> res = new HashMap<>();
    res.put(ResourceSet.CPU, 1.0);
    res.putAll(requested);
    r = ResourceSet.of(res); // checks the quantities
    if (shapes.size() < MAX_SHAPES) {
      shapes.putIfAbsent(Map.copyOf(requested), r);
    }
    return r;
  }

  /** How many shapes are kept (for tests). */
  int kept() {
    return shapes.size();
  }
}
