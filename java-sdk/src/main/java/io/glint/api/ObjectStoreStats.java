package io.glint.api;

import java.util.List;

/**
 * One node's shared-memory object store, as reported by {@link Glint#objectStoreStats()}.
 *
 * <pre>{@code
 * for (ObjectStoreStats s : Glint.objectStoreStats()) {
 *   System.out.printf("%s: %d of %d bytes, %d objects%n",
 *       s.nodeId(), s.usedBytes(), s.capacityBytes(), s.objectCount());
 * }
 * }</pre>
 *
 * @param nodeId the node, as hex
 * @param capacityBytes the store's capacity ({@code glint.objectStoreMemory})
 * @param usedBytes bytes in memory now: objects plus freed memory kept for reuse
 * @param peakUsedBytes the highest {@code usedBytes} seen; never above the capacity
 * @param objectCount objects stored, in memory or spilled
 * @param spilledObjects objects currently spilled to disk
 * @param spilledBytesTotal bytes ever spilled to disk
 * @param restoredBytesTotal bytes ever restored from disk
 * @param evictionsTotal objects ever moved out of memory to make room
 * @param objectsCreatedTotal objects ever created in this store
 * @param objects every stored object (empty unless asked for)
 * @param bytesSentTotal bytes of objects this node sent to other nodes (and remote drivers)
 * @param bytesReceivedTotal bytes of objects this node pulled from other nodes
 * @param peers bytes sent to and received from each other node, by node id
 */
public record ObjectStoreStats(
    String nodeId,
    long capacityBytes,
    long usedBytes,
    long peakUsedBytes,
    long objectCount,
    long spilledObjects,
    long spilledBytesTotal,
    long restoredBytesTotal,
    long evictionsTotal,
    long objectsCreatedTotal,
    List<StoredObject> objects,
    long bytesSentTotal,
    long bytesReceivedTotal,
    java.util.Map<String, PeerTransfer> peers) {

  /**
   * Bytes moved between this node and one peer.
   *
   * @param bytesSent bytes this node sent to the peer
   * @param bytesReceived bytes this node received from the peer
   */
  public record PeerTransfer(long bytesSent, long bytesReceived) {}

  /**
   * One stored object.
   *
   * @param objectId the object, as hex
   * @param sizeBytes payload bytes
   * @param owner the owning process, as {@code host:port}
   * @param pinned held in memory by a running task
   * @param spilled on disk rather than in memory
   */
  public record StoredObject(
      String objectId, long sizeBytes, String owner, boolean pinned, boolean spilled) {}
}
