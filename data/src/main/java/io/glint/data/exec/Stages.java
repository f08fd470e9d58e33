package io.glint.data.exec;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.PyFunction;
import io.glint.data.ActorPoolStrategy;
import io.glint.data.BatchFnFactory;
import io.glint.data.block.Blocks;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.arrow.vector.VectorSchemaRoot;

/** The physical operators. */
final class Stages {
  private Stages() {}

  static String chainName(String head, List<BlockTransform> chain) {
    StringBuilder sb = new StringBuilder(head);
    for (BlockTransform t : chain) {
      sb.append(sb.isEmpty() ? "" : "->").append(t.name());
    }
    return sb.toString();
  }

  /** Read tasks, each followed by the fused steps after the read. */
  static final class ReadStage extends Stage {
    private final List<ReadTask> tasks;
    private final ArrayList<BlockTransform> chain;
    private final int parallelism;
    private final long firstGuess;
    private int nextTask;

    ReadStage(
        String name,
        List<ReadTask> tasks,
        List<BlockTransform> chain,
        int parallelism,
        long budget) {
      super(chainName(name, chain));
      this.tasks = tasks;
      this.chain = new ArrayList<>(chain);
      this.parallelism = parallelism;
      this.firstGuess = Math.max(1, budget / (2L * parallelism));
      this.inputDone = true;
      this.writes = endsWithWrite(chain);
    }

    @Override
    boolean canLaunch(long budgetLeft) {
      return !stopped
          && nextTask < tasks.size()
          && inflight < parallelism
          && (inflight == 0 || budgetLeft >= expectedOutputBytes(firstGuess));
    }

    @Override
    Launch launch() {
      int i = nextTask++;
      return Launch.of(Glint.task(DataTasks::read, tasks.get(i), chain, i).remote(), i, 0);
    }

    @Override
    boolean hasOwnWork() {
      return nextTask < tasks.size();
    }

    @Override
    long expectedOutputBytes(long fallback) {
      return super.expectedOutputBytes(firstGuess);
    }
  }

  /** One task per block from the stage before, at most {@code parallelism} at a time. */
  abstract static class PerBlockStage extends Stage {
    private final int parallelism;

    PerBlockStage(String name, int parallelism) {
      super(name);
      this.parallelism = parallelism;
    }

    @Override
    boolean canLaunch(long budgetLeft) {
      return !stopped && !inbox.isEmpty() && inflight < parallelism;
    }

    @Override
    Launch launch() {
      Block in = inbox.poll();
      ObjectRef<VectorSchemaRoot> ref = submit(in);
      in.ref().release(); // the task holds it until it is done
      return Launch.of(ref, in.index(), in.bytes());
    }

    abstract ObjectRef<VectorSchemaRoot> submit(Block in);
  }

  /** Fused steps over blocks from the stage before. */
  static final class TaskMapStage extends PerBlockStage {
    private final ArrayList<BlockTransform> chain;

    TaskMapStage(List<BlockTransform> chain, int parallelism) {
      super(chainName("", chain), parallelism);
      this.chain = new ArrayList<>(chain);
      this.writes = endsWithWrite(chain);
    }

    @Override
    ObjectRef<VectorSchemaRoot> submit(Block in) {
      return Glint.task(DataTasks::transform, in.ref(), chain, in.index()).remote();
    }
  }

  /** A Python function over each block (through glint.data_udf, which slices the batches). */
  static final class PyMapStage extends PerBlockStage {
    private static final PyFunction<VectorSchemaRoot> UDF =
        PyFunction.of("glint.data_udf", "map_batches", VectorSchemaRoot.class);
    private final String module;
    private final String function;
    private final int batchSize;

    PyMapStage(String name, String module, String function, int batchSize, int parallelism) {
      super(name, parallelism);
      this.module = module;
      this.function = function;
      this.batchSize = batchSize;
    }

    @Override
    ObjectRef<VectorSchemaRoot> submit(Block in) {
      return Glint.task(UDF, in.ref(), module, function, batchSize).remote();
    }
  }

  /** A fixed pool of actors, each with its own instance of the user's batch function. */
  static final class ActorPoolStage extends Stage {
    private final BatchFnFactory factory;
    private final ActorPoolStrategy pool;
    private final int batchSize;
    private final ArrayList<BlockTransform> after;
    private final List<ActorHandle<BatchActor>> actors = new ArrayList<>();
    private final int[] load;
    private final java.util.Map<ObjectRef<?>, Integer> actorOf = new java.util.HashMap<>();

    ActorPoolStage(
        String name,
        BatchFnFactory factory,
        ActorPoolStrategy pool,
        int batchSize,
        List<BlockTransform> after) {
      super(chainName(name, after));
      this.factory = factory;
      this.pool = pool;
      this.batchSize = batchSize;
      this.after = new ArrayList<>(after);
      this.load = new int[pool.size()];
      this.writes = endsWithWrite(after);
    }

    private int idleActor() {
      int best = -1;
      for (int a = 0; a < load.length; a++) {
        if (load[a] < pool.maxTasksInFlight() && (best < 0 || load[a] < load[best])) {
          best = a;
        }
      }
      return best;
    }

    @Override
    boolean canLaunch(long budgetLeft) {
      return !stopped && !inbox.isEmpty() && idleActor() >= 0;
    }

    @Override
    Launch launch() {
      if (actors.isEmpty()) {
        for (int a = 0; a < pool.size(); a++) {
          actors.add(
              Glint.actor(BatchActor::new, factory, batchSize, after)
                  .setResources(pool.resources())
                  .remote());
        }
      }
      int a = idleActor();
      Block in = inbox.poll();
      ObjectRef<VectorSchemaRoot> ref =
          actors.get(a).task(BatchActor::apply, in.ref(), in.index()).remote();
      in.ref().release();
      load[a]++;
      actorOf.put(ref, a);
      return Launch.of(ref, in.index(), in.bytes());
    }

    void completed(ObjectRef<?> ref) {
      Integer a = actorOf.remove(ref);
      if (a != null) {
        load[a]--;
      }
    }

    @Override
    void close() {
      for (ActorHandle<BatchActor> a : actors) {
        try {
          Glint.kill(a);
        } catch (RuntimeException e) {
          // already gone
        }
      }
      actors.clear();
    }
  }

  /** A shuffle: waits for all its input, then runs map and reduce tasks. */
  static final class ShuffleStage extends Stage {
    private final AllToAll.Kind kind;
    private final int parallelism;
    private boolean ran;

    ShuffleStage(AllToAll.Kind kind, int parallelism) {
      super(kind.name());
      this.kind = kind;
      this.parallelism = parallelism;
    }

    @Override
    boolean hasOwnWork() {
      return !ran;
    }

    @Override
    void onInputDone(StreamingExecutor ex) {
      if (ran || stopped) {
        return;
      }
      List<Block> all = new ArrayList<>(inbox);
      inbox.clear();
      all.sort(java.util.Comparator.comparingInt(Block::index));
      ex.consumed(all.stream().mapToLong(Block::bytes).sum());
      ran = true;
      stats.launched();
      long t0 = System.nanoTime();
      List<ObjectRef<VectorSchemaRoot>> out = AllToAll.run(kind, all, parallelism);
      for (int j = 0; j < out.size(); j++) {
        Block b = StreamingExecutor.describe(out.get(j), j);
        stats.finished(b, System.nanoTime() - t0);
        ex.emit(this, b);
      }
    }
  }

  /** Passes the first {@code n} rows in order, then stops everything before it. */
  static final class LimitStage extends Stage {
    private long remaining;
    private final TreeMap<Integer, Block> pending = new TreeMap<>();
    private int nextIn;
    private int nextOut;

    LimitStage(long n) {
      super("Limit(" + n + ")");
      this.remaining = n;
    }

    /** Called by the executor for each block reaching this stage. */
    void accept(StreamingExecutor ex) {
      while (!inbox.isEmpty()) {
        Block b = inbox.poll();
        ex.consumed(b.bytes());
        pending.put(b.index(), b);
      }
      while (!pending.isEmpty() && pending.firstKey() == nextIn) {
        Block b = pending.pollFirstEntry().getValue();
        nextIn++;
        if (remaining <= 0) {
          b.ref().release();
          continue;
        }
        Block out;
        if (b.rows() <= remaining) {
          out = new Block(b.ref(), nextOut++, b.rows(), b.bytes());
        } else {
          out = slice(b, (int) remaining, nextOut++);
        }
        remaining -= out.rows();
        stats.finished(out, 0);
        ex.emit(this, out);
        if (remaining <= 0) {
          ex.stopBefore(this);
          pending.values().forEach(x -> x.ref().release());
          pending.clear();
          stopped = true;
        }
      }
    }

    private static Block slice(Block b, int rows, int index) {
      try (VectorSchemaRoot v = Glint.get(b.ref())) {
        try (VectorSchemaRoot s = Blocks.slice(v, 0, rows)) {
          ObjectRef<VectorSchemaRoot> ref = Glint.put(s);
          b.ref().release();
          return new Block(ref, index, rows, Blocks.sizeBytes(s));
        }
      }
    }

    @Override
    boolean finished() {
      return stopped || (inputDone && inbox.isEmpty() && pending.isEmpty());
    }
  }
}
