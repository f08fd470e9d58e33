package io.glint.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web UI's files: the page, its script and style from this jar's {@code /ui/}, and uPlot (MIT,
 * its licence served beside it) from its WebJar. Only these names are served; nothing is read from
 * the file system.
 */
final class StaticFiles {
  record File(String type, byte[] bytes) {}

  private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/";

  /** URL path to resource path and content type. */
  private static final Map<String, String[]> FILES =
      Map.of(
          "/", new String[] {"/ui/index.html", "text/html; charset=utf-8"},
          "/index.html", new String[] {"/ui/index.html", "text/html; charset=utf-8"},
          "/static/app.js", new String[] {"/ui/app.js", "text/javascript; charset=utf-8"},
          "/static/app.css", new String[] {"/ui/app.css", "text/css; charset=utf-8"},
          "/static/uplot/uPlot.iife.min.js",
              new String[] {UPLOT + "dist/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
          "/static/uplot/uPlot.min.css",
              new String[] {UPLOT + "dist/uPlot.min.css", "text/css; charset=utf-8"},
          "/static/uplot/LICENSE", new String[] {UPLOT + "LICENSE", "text/plain; charset=utf-8"});

  private static final Map<String, File> CACHE = new ConcurrentHashMap<>();

  private StaticFiles() {}

  /** The file served at {@code path}, or null. */
  static File get(String path) {
    String[] f = FILES.get(path);
    if (f == null) {
      return null;
    }
    return CACHE.computeIfAbsent(path, p -> new File(f[1], read(f[0])));
  }

  private static byte[] read(String resource) {
    try (InputStream in = StaticFiles.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing from the dashboard's jar: " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
