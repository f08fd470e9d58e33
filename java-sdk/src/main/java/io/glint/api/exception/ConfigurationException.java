package io.glint.api.exception;

/**
 * A setting is wrong: a bad value in {@code InitOptions}, a {@code GLINT_*} environment variable, a
 * {@code -Dglint.*} property or a command-line flag. The message is one line that names the
 * setting, where it came from, the value and what is expected.
 *
 * <pre>{@code
 * try {
 *   Glint.init();
 * } catch (ConfigurationException e) {
 *   System.err.println(e.getMessage()); // GLINT_OBJECT_STORE_MEMORY='banana': ...
 * }
 * }</pre>
 */
public final class ConfigurationException extends GlintException {
  public ConfigurationException(String message) {
    super(message);
  }
}
