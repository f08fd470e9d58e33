package io.glint.internal.runtime.common;

import com.google.protobuf.ByteString;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How placement group bundles become resources, Ray's way: once bundle {@code i} of group {@code g}
 * is committed on a node, that node has {@code R_group_i_g} and {@code R_group_g} for each resource
 * {@code R} of the bundle (and {@code bundle_group_...} markers), and work in the group asks for
 * those names instead of {@code R}. So a bundle's resources are usable only by work scheduled into
 * it, and a lease for it can only be granted where the bundle lives.
 */
public final class PlacementResources {
  /** The marker every committed bundle adds (so work needing no resources still targets it). */
  static final String BUNDLE = "bundle";

  static final double MARKER = 1000;

  /** What work in a bundle asks of a marker: a sliver, so a bundle serves any number of tasks. */
  static final double MARKER_SHARE = 0.001;

  private PlacementResources() {}

  private static String indexed(String resource, int index, ByteString group) {
    return resource + "_group_" + index + "_" + Ids.hex(group);
  }

  private static String wildcard(String resource, ByteString group) {
    return resource + "_group_" + Ids.hex(group);
  }

  /** The resources a committed bundle adds to its node. */
  public static ResourceSet committed(ResourceSet bundle, int index, ByteString group) {
    Map<String, Double> m = new LinkedHashMap<>();
    bundle
        .toMap()
        .forEach(
            (r, q) -> {
              m.put(indexed(r, index, group), q);
              m.put(wildcard(r, group), q);
            });
    m.put(indexed(BUNDLE, index, group), MARKER);
    m.put(wildcard(BUNDLE, group), MARKER);
    return ResourceSet.of(m);
  }

  /** What work asking {@code need} in bundle {@code index} (-1: any) of the group asks for. */
  public static ResourceSet forWork(ResourceSet need, int index, ByteString group) {
    Map<String, Double> m = new LinkedHashMap<>();
    need.toMap()
        .forEach((r, q) -> m.put(index < 0 ? wildcard(r, group) : indexed(r, index, group), q));
    m.put(index < 0 ? wildcard(BUNDLE, group) : indexed(BUNDLE, index, group), MARKER_SHARE);
    return ResourceSet.of(m);
  }

  /** Whether a resource name belongs to group {@code group}. */
  public static boolean ofGroup(String resource, ByteString group) {
    return resource.endsWith("_" + Ids.hex(group)) && resource.contains("_group_");
  }

  /** GPUs asked of a bundle: the group (hex), the bundle index (-1: any bundle), how many. */
  public record GpuDemand(String groupHex, int index, double quantity) {}

  /** The GPUs {@code need} asks of a placement group's bundles, or null when it asks none. */
  public static GpuDemand gpuDemand(ResourceSet need) {
    String prefix = ResourceSet.GPU + "_group_";
    for (var e : need.toMap().entrySet()) {
      String name = e.getKey();
      if (!name.startsWith(prefix) || e.getValue() <= 0) {
        continue;
      }
      String rest = name.substring(prefix.length());
      int cut = rest.indexOf('_');
      if (cut < 0) {
        return new GpuDemand(rest, -1, e.getValue());
      }
      return new GpuDemand(
          rest.substring(cut + 1), Integer.parseInt(rest.substring(0, cut)), e.getValue());
    }
    return null;
  }
}
