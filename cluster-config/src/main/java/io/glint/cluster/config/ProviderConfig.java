package io.glint.cluster.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The {@code provider} section: which cloud (or {@code local}) and where. The whole section is kept
 * as {@link #raw()} too, for the keys only one provider reads.
 */
public record ProviderConfig(
    String type,
    String region,
    String availabilityZone,
    String projectId,
    boolean cacheStoppedNodes,
    boolean useInternalIps,
    String headIp,
    List<String> workerIps,
    String namespace,
    ObjectNode raw) {}
