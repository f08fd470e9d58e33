package io.glint.cluster.autoscaler;

import java.util.List;
import java.util.Map;

/**
 * What one autoscaler round decided.
 *
 * @param launch how many nodes of each type to launch now
 * @param terminate node id → why
 * @param infeasible shapes no node type can hold at all
 * @param waiting shapes a node type could hold but limits (max_workers, upscaling speed, launch
 *     back-off) keep waiting
 */
public record ScalingDecision(
    Map<String, Integer> launch,
    Map<String, String> terminate,
    List<Map<String, Double>> infeasible,
    List<Map<String, Double>> waiting) {}
