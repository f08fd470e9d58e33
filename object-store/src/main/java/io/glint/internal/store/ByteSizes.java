package io.glint.internal.store;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as people write them: {@code 2147483648}, {@code 2g}, {@code 1.5GiB}, {@code 512MB},
 * {@code 100t} (binary units up to tebibytes; {@code b}, {@code ib} suffixes accepted), and sizes
 * printed back in the largest unit that keeps them readable.
 */
public final class ByteSizes {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*([kmgt]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);

  private ByteSizes() {}

  /**
   * The bytes {@code text} names. Throws {@link IllegalArgumentException} with a message that says
   * what was expected when it is not a size, or when it is negative, fractional bytes, or too
   * large.
   */
  public static long parse(String text) {
    String t = text == null ? "" : text.trim();
    Matcher m = SIZE.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a size; write bytes or a number with a unit, e.g. 2g, 1.5GiB, 512m");
    }
    int shift =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    java.math.BigDecimal v =
        new java.math.BigDecimal(m.group(1)).multiply(java.math.BigDecimal.valueOf(1L << shift));
    if (v.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is larger than any machine's memory");
    }
    return v.setScale(0, java.math.RoundingMode.DOWN).longValueExact();
  }

  /** {@code bytes} for people: {@code 512 B}, {@code 1.5 KiB}, {@code 7.21 GiB}. */
  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    String n =
        v >= 100
            ? String.format(Locale.ROOT, "%.0f", v)
            : v >= 10
                ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    return n + " " + units[u];
  }
}
