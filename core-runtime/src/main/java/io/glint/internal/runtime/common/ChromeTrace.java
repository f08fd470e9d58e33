package io.glint.internal.runtime.common;

import io.glint.internal.proto.TaskEvent;
import java.util.List;
import java.util.Map;

/**
 * Tasks as a Chrome trace (the Trace Event format that {@code chrome://tracing} and Perfetto open,
 * as Ray's {@code ray timeline} writes): one process per node, one thread (lane) per worker, one
 * complete event per task run.
 */
public final class ChromeTrace {
  private ChromeTrace() {}

  /** {@code nodeNames}: node id (hex) to a display name; unknown ids show as their short hex. */
  public static String of(List<TaskEvent> events, Map<String, String> nodeNames) {
    StringBuilder sb = new StringBuilder(64 + events.size() * 200).append("{\"traceEvents\":[");
    boolean first = true;
    for (TaskEvent e : events) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      String node = Ids.hex(e.getNodeId());
      sb.append("{\"name\":");
      str(sb, e.getName());
      sb.append(",\"cat\":");
      str(sb, e.getType().name().replace("TASK_TYPE_", "").toLowerCase(java.util.Locale.ROOT));
      sb.append(",\"ph\":\"X\",\"ts\":")
          .append(e.getStartMicros())
          .append(",\"dur\":")
          .append(Math.max(0, e.getEndMicros() - e.getStartMicros()))
          .append(",\"pid\":");
      str(sb, "node " + nodeNames.getOrDefault(node, Ids.shortHex(e.getNodeId())));
      sb.append(",\"tid\":");
      str(sb, "worker " + e.getPid());
      sb.append(",\"args\":{\"task_id\":");
      str(sb, Ids.hex(e.getTaskId()));
      sb.append(",\"worker_id\":");
      str(sb, Ids.hex(e.getWorkerId()));
      if (!e.getErrorType().isEmpty()) {
        sb.append(",\"error\":");
        str(sb, e.getErrorType());
      }
      sb.append("}}");
    }
    return sb.append("],\"displayTimeUnit\":\"ms\"}").toString();
  }

  private static void str(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
