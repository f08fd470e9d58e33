package io.glint.api;

import java.util.Map;

/**
 * One node of the cluster, as {@link Glint#nodes()} lists them (Ray's {@code ray.nodes()}).
 *
 * @param nodeId the id tasks can be pinned to ({@link SchedulingStrategy#nodeAffinity})
 * @param name a name for people ({@code glint start --node-name}, or the node's address)
 * @param address the node daemon's {@code host:port}
 * @param alive false once the node stopped or missed its health checks
 * @param total the node's resources
 * @param available what is free on it now
 */
public record NodeInfo(
    String nodeId,
    String name,
    String address,
    boolean alive,
    Map<String, Double> total,
    Map<String, Double> available) {}
