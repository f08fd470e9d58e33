package io.glint.tune;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Each trial's metric over its iterations as an SVG chart (open it in a browser), with the data
 * points it draws embedded as JSON ({@code <script type="application/json" id="glint-tune-data">}),
 * so the picture and the numbers cannot disagree.
 */
final class CurvePlot {
  private static final String[] COLORS = {
    "#1a73e8", "#e8710a", "#188038", "#a142f4", "#d93025", "#12b5cb", "#f9ab00", "#5f6368"
  };

  private CurvePlot() {}

  static void write(Path file, List<Trial> trials, String metric) {
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    double minX = Double.MAX_VALUE,
        maxX = -Double.MAX_VALUE,
        minY = Double.MAX_VALUE,
        maxY = -Double.MAX_VALUE;
    for (Trial t : trials) {
      List<double[]> points = new ArrayList<>();
      for (Map<String, Object> r : t.results()) {
        if (r.get(metric) instanceof Number n && !Double.isNaN(n.doubleValue())) {
          double x = ((Number) r.get(Tune.TRAINING_ITERATION)).doubleValue();
          double y = n.doubleValue();
          points.add(new double[] {x, y});
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
        }
      }
      series.put(t.id(), points);
    }
    if (minX > maxX) {
      minX = 0;
      maxX = 1;
      minY = 0;
      maxY = 1;
    }
    if (maxX == minX) {
      maxX = minX + 1;
    }
    if (maxY == minY) {
      maxY = minY + 1;
    }
    int w = 900, h = 500, left = 70, right = 20, top = 40, bottom = 50;
    double x0 = minX, x1 = maxX, y0 = minY, y1 = maxY;
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(w)
        .append("\" height=\"")
        .append(h)
        .append("\">\n");
    svg.append("<title>").append(esc(metric)).append(" per trial</title>\n");
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append("<text x=\"")
        .append(left)
        .append("\" y=\"24\" font-family=\"sans-serif\" font-size=\"16\">")
        .append(esc(metric))
        .append(" by training iteration, one line per trial</text>\n");
    svg.append(
        String.format(
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
            left, h - bottom, w - right, h - bottom));
    svg.append(
        String.format(
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
            left, top, left, h - bottom));
    for (int i = 0; i <= 4; i++) {
      double yv = y0 + (y1 - y0) * i / 4;
      double py = h - bottom - (h - top - bottom) * i / 4.0;
      svg.append(
          String.format(
              "<text x=\"%d\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"11\" text-anchor=\"end\">%s</text>%n",
              left - 6, py + 4, esc(ProgressReporter.fmt(yv))));
      double xv = x0 + (x1 - x0) * i / 4;
      double px = left + (w - left - right) * i / 4.0;
      svg.append(
          String.format(
              "<text x=\"%.1f\" y=\"%d\" font-family=\"sans-serif\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
              px, h - bottom + 16, esc(ProgressReporter.fmt(xv))));
    }
    int i = 0;
    for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
      StringBuilder pts = new StringBuilder();
      for (double[] p : e.getValue()) {
        double px = left + (p[0] - x0) / (x1 - x0) * (w - left - right);
        double py = h - bottom - (p[1] - y0) / (y1 - y0) * (h - top - bottom);
        pts.append(String.format("%.1f,%.1f ", px, py));
      }
      svg.append("<polyline class=\"trial\" data-trial=\"")
          .append(esc(e.getKey()))
          .append("\" fill=\"none\" stroke-width=\"1.5\" stroke=\"")
          .append(COLORS[i++ % COLORS.length])
          .append("\" points=\"")
          .append(pts.toString().strip())
          .append("\"><title>")
          .append(esc(e.getKey()))
          .append("</title></polyline>\n");
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("metric", metric);
    data.put("x", Tune.TRAINING_ITERATION);
    data.put("trials", series);
    try {
      svg.append("<script type=\"application/json\" id=\"glint-tune-data\"><![CDATA[")
          .append(new ObjectMapper().writeValueAsString(data))
          .append("]]></script>\n</svg>\n");
      Files.writeString(file, svg);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
