package io.glint.api.internal;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ray's rules for resource quantities. Internal: not part of the public API.
 *
 * <p>A quantity is finite and non-negative, has at most 4 decimal places, and is a whole number
 * when above 1.
 */
public final class ResourceValidation {
  private ResourceValidation() {}

  /** Returns {@code quantity} or throws an {@link IllegalArgumentException} naming the problem. */
  public static double checkQuantity(String name, double quantity) {
    checkName(name);
    if (Double.isNaN(quantity) || Double.isInfinite(quantity)) {
      throw new IllegalArgumentException(
          "Resource '" + name + "' must be a finite number, got " + quantity);
    }
    if (quantity < 0) {
      throw new IllegalArgumentException(
          "Resource '" + name + "' must not be negative, got " + quantity);
    }
    if (quantity == Math.rint(quantity)) {
      // Whole numbers, the usual case, pass without BigDecimal: its class initialisation alone is
      // a noticeable part of a worker's start (and hot enough there for the JIT to compile).
      return quantity;
    }
    BigDecimal exact = new BigDecimal(Double.toString(quantity)).stripTrailingZeros();
    if (exact.scale() > 4) {
      throw new IllegalArgumentException(
          "Resource '"
              + name
              + "' may have at most 4 decimal places, got "
              + exact.toPlainString());
    }
    if (quantity > 1 && exact.scale() > 0) {
      throw new IllegalArgumentException(
          "Resource '" + name + "' above 1 must be a whole number, got " + exact.toPlainString());
    }
    return quantity;
  }

  /** Parses a quantity written as text (config, environment), with the same rules. */
  public static double parseQuantity(String name, String text) {
    double value;
    try {
      value = Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Resource '" + name + "' must be a number, got '" + text + "'");
    }
    return checkQuantity(name, value);
  }

  public static void checkName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("Resource name must not be empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            "Resource name must not contain whitespace or control characters: '" + name + "'");
      }
    }
  }

  /** Validates every entry and returns an insertion-ordered copy. */
  public static Map<String, Double> checkAll(Map<String, Double> resources) {
    Map<String, Double> copy = new LinkedHashMap<>();
    resources.forEach(
        (k, v) -> {
          if (v == null) {
            throw new IllegalArgumentException("Resource '" + k + "' has no quantity");
          }
          copy.put(k, checkQuantity(k, v));
        });
    return copy;
  }
}
