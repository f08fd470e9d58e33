package io.glint.api.exception;

/**
 * An object could not be stored: it is larger than the node's object store, or the store stayed
 * full of objects in use for too long. The message names the sizes.
 */
public final class ObjectStoreFullException extends GlintException {
  private final long requestedBytes;

  public ObjectStoreFullException(String message, long requestedBytes) {
    super(message);
    this.requestedBytes = requestedBytes;
  }

  /** The size of the object that did not fit. */
  public long requestedBytes() {
    return requestedBytes;
  }
}
