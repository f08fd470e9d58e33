package io.glint.internal.runtime.core;

/**
 * When a task queue tells its node how many tasks wait beyond its pending lease requests (for
 * demand reports and the autoscaler): exactly below 100, else when the number moved by a tenth
 * since last said (a million tasks cost a few dozen reports). Guarded by the queue's lock.
 */
final class BacklogReport {
  private int said;

  /** The backlog to report now, or -1 when nothing needs saying. */
  int next(int queuedTasks, int pendingRequests) {
    if (pendingRequests == 0) {
      said = 0; // the node forgets it with the last pending request
      return -1;
    }
    int backlog = Math.max(0, queuedTasks - pendingRequests);
    if (backlog == said
        || (backlog >= 100 && said >= 100 && Math.abs(backlog - said) * 10 < said)) {
      return -1;
    }
    said = backlog;
    return backlog;
  }
}
