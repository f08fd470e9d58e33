package io.glint.data.exec;

import io.glint.api.ObjectRef;
import java.util.ArrayDeque;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * One physical operator of a running dataset: takes blocks from its inbox (or its read tasks),
 * launches tasks for them, and hands each result to the next stage. Runs on the driver's executor
 * thread only.
 */
abstract class Stage {
  final OpStats stats;
  final ArrayDeque<Block> inbox = new ArrayDeque<>();
  Stage next;
  boolean inputDone;
  int inflight;
  boolean stopped;

  /** Whether the stage's last step writes files (its outputs are write results). */
  boolean writes;

  Stage(String name) {
    this.stats = new OpStats(name);
  }

  /**
   * Whether a task may start now; {@code budgetLeft} is the memory budget still free. Stages that
   * work on the driver (a shuffle, a limit, stored blocks) never start single tasks.
   */
  boolean canLaunch(long budgetLeft) {
    return false;
  }

  /** Starts one task; called only when {@link #canLaunch} said yes. */
  Launch launch() {
    throw new IllegalStateException(stats.name + " starts no single tasks");
  }

  /** Work done on the driver once the stage's input is complete and nothing of it runs. */
  void onInputDone(StreamingExecutor ex) {}

  /** Whether everything this stage will ever output has been output. */
  boolean finished() {
    return stopped || (inputDone && inbox.isEmpty() && inflight == 0 && !hasOwnWork());
  }

  /** Work not fed by the inbox: read tasks not yet started, a shuffle not yet run. */
  boolean hasOwnWork() {
    return false;
  }

  /** Bytes the stage's next task's output is expected to take. */
  long expectedOutputBytes(long fallback) {
    return stats.blocksOut == 0 ? fallback : stats.bytesOut / stats.blocksOut;
  }

  void close() {}

  static boolean endsWithWrite(java.util.List<BlockTransform> chain) {
    return !chain.isEmpty() && chain.get(chain.size() - 1) instanceof Transforms.Write;
  }

  /** A started task: its result ref, the block index it will carry, the input bytes it holds. */
  record Launch(ObjectRef<VectorSchemaRoot> ref, int index, long inputBytes, long startNanos) {
    static Launch of(ObjectRef<VectorSchemaRoot> ref, int index, long inputBytes) {
      return new Launch(ref, index, inputBytes, System.nanoTime());
    }
  }
}
