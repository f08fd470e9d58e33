package io.glint.cluster.provider;

import java.util.Map;

/**
 * A machine (or, for the local provider, a set of processes) a provider made for a cluster.
 *
 * @param id the provider's id (an EC2 instance id, a local node's name)
 * @param tags Glint's tags on it ({@link Tags}): cluster, kind, node type, status
 * @param internalIp the address other nodes reach it on (null while it has none)
 * @param externalIp the address the launcher reaches it on, when different (may be null)
 * @param state the provider's word for it: pending, running, stopping, stopped
 */
public record ProviderNode(
    String id, Map<String, String> tags, String internalIp, String externalIp, String state) {

  public String tag(String key) {
    return tags.get(key);
  }

  public boolean isHead() {
    return Tags.KIND_HEAD.equals(tags.get(Tags.NODE_KIND));
  }

  /** The address the launcher uses: the external one when there is one and it is wanted. */
  public String address(boolean useInternalIps) {
    return useInternalIps || externalIp == null ? internalIp : externalIp;
  }
}
