package io.glint.cluster.launcher;

/** A step of setting a node up failed: says which node, which command, and what it printed. */
public final class NodeUpdateException extends RuntimeException {
  public NodeUpdateException(String message) {
    super(message);
  }
}
