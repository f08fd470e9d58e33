package io.glint.internal.runtime.control;

import io.glint.internal.proto.GetTaskEventsReply;
import io.glint.internal.proto.ReportTaskEventsRequest;
import io.glint.internal.proto.TaskEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recent tasks workers ran (the newest 10,000), for the dashboard's task list and
 * timeline, with running totals of all of them. In memory only.
 */
final class TaskEventLog {
  static final int KEPT = 10_000;

  private final ArrayDeque<TaskEvent> events = new ArrayDeque<>();
  private long finished;
  private long failed;
  private long dropped;
  private final java.util.HashMap<String, Long> actorCalls = new java.util.HashMap<>();

  synchronized void add(ReportTaskEventsRequest r) {
    dropped += r.getDropped();
    for (TaskEvent e : r.getEventsList()) {
      if (e.getErrorType().isEmpty()) {
        finished++;
      } else {
        failed++;
      }
      if (e.getType() == io.glint.internal.proto.TaskType.TASK_TYPE_ACTOR_TASK) {
        actorCalls.merge(io.glint.internal.runtime.common.Ids.hex(e.getActorId()), 1L, Long::sum);
      }
      events.addLast(e);
      if (events.size() > KEPT) {
        events.removeFirst();
        dropped++;
      }
    }
  }

  /** The newest {@code limit} events (0: every one kept), oldest first, and the totals. */
  synchronized GetTaskEventsReply get(int limit) {
    List<TaskEvent> out = new ArrayList<>(events);
    if (limit > 0 && out.size() > limit) {
      out = out.subList(out.size() - limit, out.size());
    }
    return GetTaskEventsReply.newBuilder()
        .addAllEvents(out)
        .setFinishedTotal(finished)
        .setFailedTotal(failed)
        .setDroppedTotal(dropped)
        .putAllActorCalls(actorCalls)
        .build();
  }
}
