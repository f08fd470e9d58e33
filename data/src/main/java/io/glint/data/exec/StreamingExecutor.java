package io.glint.data.exec;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.WaitResult;
import io.glint.data.DataContext;
import io.glint.data.block.Blocks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Runs a plan as a stream of blocks, pulled by the consumer ({@link #next}). Reads start only while
 * the blocks the dataset holds in the object store (queued between operators, held by running
 * tasks, waiting for the consumer) stay under the memory budget, so a dataset many times larger
 * than the store streams through it; downstream operators always run, which is what frees memory.
 * Output blocks come in order.
 */
public final class StreamingExecutor implements AutoCloseable {
  private final List<Stage> stages;
  private final DataContext ctx;
  private final long budget;
  private final Map<ObjectRef<VectorSchemaRoot>, Running> running = new HashMap<>();
  private final TreeMap<Integer, Block> outputs = new TreeMap<>();
  private final Progress progress;
  private final long startNanos = System.nanoTime();
  private int nextOut;
  private long heldBytes;
  private long peakHeldBytes;
  private boolean closed;

  private record Running(Stage stage, Stage.Launch launch) {}

  public StreamingExecutor(Op plan, DataContext ctx, String name) {
    this.ctx = ctx;
    this.budget = ctx.memoryBudgetBytes();
    this.stages = Planner.stages(plan, ctx, budget);
    for (int i = 0; i + 1 < stages.size(); i++) {
      stages.get(i).next = stages.get(i + 1);
    }
    List<OpStats> ops = stages.stream().map(s -> s.stats).toList();
    this.progress =
        ctx.progressBars()
            ? new Progress(name, ops, ctx.progressOutput(), ctx.ansiProgress())
            : new Progress(name, ops, null, false);
    for (Stage s : stages) {
      if (s instanceof Planner.FromBlocksStage f) {
        f.start(this);
      }
    }
  }

  /** The next output block in order (the caller owns and releases its ref), null at the end. */
  public Block next() {
    long limit = ctx.timeoutMillis();
    long deadline = limit > 0 ? System.nanoTime() + limit * 1_000_000 : Long.MAX_VALUE;
    while (true) {
      if (System.nanoTime() > deadline) {
        String running = describe();
        close();
        throw new io.glint.api.exception.GetTimeoutException(
            "the dataset did not produce its next block within "
                + limit
                + " ms (DataContext.setTimeoutMillis); stopped it: "
                + running);
      }
      Block b =
          outputs.isEmpty() || outputs.firstKey() != nextOut
              ? null
              : outputs.pollFirstEntry().getValue();
      if (b != null) {
        nextOut++;
        heldBytes -= b.bytes();
        return b;
      }
      if (allFinished()) {
        progress.tick(true);
        return null;
      }
      step();
    }
  }

  private boolean allFinished() {
    return stages.get(stages.size() - 1).finished() && running.isEmpty();
  }

  private void step() {
    boolean launched = false;
    for (int i = stages.size() - 1; i >= 0; i--) {
      Stage s = stages.get(i);
      if (s.stopped) {
        continue;
      }
      while (s.canLaunch(budget - heldBytes - expectedRunningBytes())) {
        Stage.Launch l = s.launch();
        s.inflight++;
        s.stats.launched();
        running.put(l.ref(), new Running(s, l));
        launched = true;
      }
      if (!s.inputDone && (i == 0 || stages.get(i - 1).finished())) {
        s.inputDone = true;
      }
      if (s.inputDone && s.inflight == 0) {
        s.onInputDone(this);
      }
      if (s instanceof Stages.LimitStage l) {
        l.accept(this);
      }
    }
    if (running.isEmpty()) {
      if (!launched && !allFinished() && !anyProgressPossible()) {
        throw new IllegalStateException("dataset execution is stuck: " + describe());
      }
      return;
    }
    WaitResult<VectorSchemaRoot> w =
        Glint.wait(new ArrayList<>(running.keySet()), 1, ctx.pollMillis());
    for (ObjectRef<VectorSchemaRoot> ref : w.getReady()) {
      Running r = running.remove(ref);
      r.stage().inflight--;
      heldBytes -= r.launch().inputBytes();
      if (r.stage() instanceof Stages.ActorPoolStage a) {
        a.completed(ref);
      }
      if (r.stage().stopped) {
        ref.release();
        continue;
      }
      Block b = describe(ref, r.launch().index());
      // A write's stats count the rows and bytes written, not its one-row results.
      Block counted = r.stage().writes ? written(b) : b;
      r.stage().stats.finished(counted, System.nanoTime() - r.launch().startNanos());
      emit(r.stage(), b);
    }
    progress.tick(false);
  }

  private boolean anyProgressPossible() {
    for (Stage s : stages) {
      if (!s.finished() && (!s.inbox.isEmpty() || s.hasOwnWork() || !s.inputDone)) {
        return true;
      }
    }
    return false;
  }

  private long expectedRunningBytes() {
    long n = 0;
    for (Running r : running.values()) {
      n += r.stage().expectedOutputBytes(0);
    }
    return n;
  }

  /** Hands a stage's output block to the next stage, or to the consumer. */
  void emit(Stage from, Block b) {
    heldBytes += b.bytes();
    peakHeldBytes = Math.max(peakHeldBytes, heldBytes);
    from.stats.peakHeldBytes = Math.max(from.stats.peakHeldBytes, heldBytes);
    if (from.next == null) {
      outputs.put(b.index(), b);
    } else {
      from.next.inbox.add(b);
    }
  }

  /** A stage took blocks out of its inbox for good (a limit passed them on, a shuffle ran). */
  void consumed(long bytes) {
    heldBytes -= bytes;
  }

  /** A limit was reached: the stages before {@code limit} stop and drop what they hold. */
  void stopBefore(Stage limit) {
    for (Stage s : stages) {
      if (s == limit) {
        return;
      }
      s.stopped = true;
      for (Block b : s.inbox) {
        heldBytes -= b.bytes();
        b.ref().release();
      }
      s.inbox.clear();
    }
  }

  /** A finished block's rows and bytes, read from the store (a view: nothing is copied). */
  static Block describe(ObjectRef<VectorSchemaRoot> ref, int index) {
    try (VectorSchemaRoot v = Glint.get(ref)) {
      return new Block(ref, index, v.getRowCount(), Blocks.sizeBytes(v));
    }
  }

  private static Block written(Block result) {
    long rows = 0;
    long bytes = 0;
    try (VectorSchemaRoot v = Glint.get(result.ref())) {
      for (int i = 0; i < v.getRowCount(); i++) {
        rows += ((Number) Blocks.value(v.getVector("num_rows"), i)).longValue();
        bytes += ((Number) Blocks.value(v.getVector("size_bytes"), i)).longValue();
      }
    }
    return new Block(result.ref(), result.index(), rows, bytes);
  }

  private String describe() {
    StringBuilder sb = new StringBuilder();
    for (Stage s : stages) {
      sb.append(s.stats.name)
          .append("[inbox=")
          .append(s.inbox.size())
          .append(", running=")
          .append(s.inflight)
          .append(", inputDone=")
          .append(s.inputDone)
          .append("] ");
    }
    return sb.toString();
  }

  /** Per-operator statistics (for {@code stats()}). */
  public List<OpStats> stats() {
    return stages.stream().map(s -> s.stats).toList();
  }

  /** What this run did so far: per operator, the peak bytes held, the budget, its duration. */
  public io.glint.data.DatasetStats summary() {
    return new io.glint.data.DatasetStats(
        stats(), peakHeldBytes, budget, (System.nanoTime() - startNanos) / 1e9);
  }

  /** Stops the run: cancels nothing that finished, releases every block it still holds. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Stage s : stages) {
      s.stopped = true;
      s.inbox.forEach(b -> b.ref().release());
      s.inbox.clear();
    }
    for (ObjectRef<VectorSchemaRoot> r : running.keySet()) {
      try {
        Glint.cancel(r);
      } catch (RuntimeException e) {
        // finished meanwhile
      }
      r.release();
    }
    running.clear();
    outputs.values().forEach(b -> b.ref().release());
    outputs.clear();
    stages.forEach(Stage::close);
  }
}
