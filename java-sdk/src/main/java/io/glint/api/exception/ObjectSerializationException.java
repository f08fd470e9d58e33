package io.glint.api.exception;

/** A value could not be serialized or deserialized. The message names the offending type. */
public final class ObjectSerializationException extends GlintException {
  private final String valueType;

  public ObjectSerializationException(String valueType, String message, Throwable cause) {
    super(message, cause);
    this.valueType = valueType;
  }

  /** The binary name of the type that could not be handled. */
  public String valueType() {
    return valueType;
  }
}
