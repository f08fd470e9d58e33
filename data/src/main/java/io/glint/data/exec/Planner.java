package io.glint.data.exec;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.data.DataContext;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Turns a logical plan into a line of stages, fusing every per-block step into the task before it
 * (a read, a map task or an actor call). A union or zip first runs its inputs to the end.
 */
final class Planner {
  private Planner() {}

  static List<Stage> stages(Op plan, DataContext ctx, long budget) {
    List<Op> line = new ArrayList<>();
    Op cur = plan;
    while (cur != null) {
      line.add(0, cur);
      cur = Op.inputOf(cur);
    }
    int parallelism = ctx.parallelism();
    List<Stage> stages = new ArrayList<>();
    List<BlockTransform> pending = new ArrayList<>();
    Op head = null; // the op whose stage the pending steps fuse into
    for (Op op : line) {
      if (op instanceof Op.Step s) {
        pending.add(s.transform());
        continue;
      }
      if (head != null) {
        stages.addAll(stage(head, pending, ctx, parallelism, budget));
      } else if (!pending.isEmpty()) {
        stages.add(new Stages.TaskMapStage(pending, parallelism));
      }
      pending = new ArrayList<>();
      head = op;
    }
    stages.addAll(stage(head, pending, ctx, parallelism, budget));
    return stages;
  }

  private static List<Stage> stage(
      Op head, List<BlockTransform> chain, DataContext ctx, int parallelism, long budget) {
    return switch (head) {
      case Op.Read r ->
          List.of(new Stages.ReadStage(r.name(), r.tasks(), chain, parallelism, budget));
      case Op.ActorMap a ->
          List.of(
              new Stages.ActorPoolStage(a.describe(), a.factory(), a.pool(), a.batchSize(), chain));
      case Op.PyMap p ->
          withChain(
              new Stages.PyMapStage(
                  p.describe(), p.module(), p.function(), p.batchSize(), parallelism),
              chain,
              parallelism);
      case Op.Shuffle s ->
          withChain(new Stages.ShuffleStage(s.kind(), parallelism), chain, parallelism);
      case Op.Limit l -> withChain(new Stages.LimitStage(l.n()), chain, parallelism);
      case Op.FromBlocks f ->
          withChain(new FromBlocksStage(f.name(), f.blocks()), chain, parallelism);
      case Op.Union u -> withChain(new FromBlocksStage("Union", union(u, ctx)), chain, parallelism);
      case Op.Zip z -> withChain(new FromBlocksStage("Zip", zip(z, ctx)), chain, parallelism);
      case Op.Step s -> throw new IllegalStateException("a step is never a stage's head");
    };
  }

  /** A stage that cannot run steps itself, followed (when steps come after it) by a map stage. */
  private static List<Stage> withChain(Stage s, List<BlockTransform> chain, int parallelism) {
    if (chain.isEmpty()) {
      return List.of(s);
    }
    return List.of(s, new Stages.TaskMapStage(chain, parallelism));
  }

  /** Blocks already in the store, fed to the next stage as the run starts. */
  static final class FromBlocksStage extends Stage {
    private final List<Block> blocks;

    FromBlocksStage(String name, List<Block> blocks) {
      super(name);
      this.blocks = blocks;
    }

    void start(StreamingExecutor ex) {
      inputDone = true;
      for (Block b : blocks) {
        stats.launched();
        stats.finished(b, 0);
        ex.emit(this, b);
      }
    }
  }

  /** Runs a plan to the end and keeps its blocks (renumbered from {@code firstIndex}). */
  static List<Block> materialize(Op plan, DataContext ctx, int firstIndex) {
    List<Block> out = new ArrayList<>();
    try (StreamingExecutor ex = new StreamingExecutor(plan, ctx, "materialize")) {
      Block b;
      while ((b = ex.next()) != null) {
        out.add(new Block(b.ref(), firstIndex + out.size(), b.rows(), b.bytes()));
      }
    }
    return out;
  }

  private static List<Block> union(Op.Union u, DataContext ctx) {
    List<Block> out = new ArrayList<>();
    for (Op in : u.inputs()) {
      out.addAll(materialize(in, ctx, out.size()));
    }
    return out;
  }

  private static List<Block> zip(Op.Zip z, DataContext ctx) {
    List<Block> left = materialize(z.left(), ctx, 0);
    List<Block> right = materialize(z.right(), ctx, 0);
    long l = left.stream().mapToLong(Block::rows).sum();
    long r = right.stream().mapToLong(Block::rows).sum();
    if (l != r) {
      left.forEach(b -> b.ref().release());
      right.forEach(b -> b.ref().release());
      throw new IllegalArgumentException(
          "zip needs datasets of the same length: " + l + " rows and " + r + " rows");
    }
    List<ObjectRef<VectorSchemaRoot>> refs = new ArrayList<>();
    long offset = 0;
    for (Block b : left) {
      // The right blocks overlapping [offset, offset + rows).
      ArrayList<ObjectRef<VectorSchemaRoot>> parts = new ArrayList<>();
      long start = 0;
      long skip = -1;
      for (Block rb : right) {
        if (start + rb.rows() > offset && start < offset + b.rows()) {
          if (skip < 0) {
            skip = offset - start;
          }
          parts.add(rb.ref());
        }
        start += rb.rows();
      }
      refs.add(Glint.task(ZipTasks::zip, b.ref(), parts, Math.max(0, skip)).remote());
      offset += b.rows();
    }
    var w = Glint.wait(refs, refs.size(), AllToAll.SHUFFLE_TIMEOUT_MS);
    left.forEach(b -> b.ref().release());
    right.forEach(b -> b.ref().release());
    if (w.getReady().size() < refs.size()) {
      refs.forEach(ObjectRef::release);
      throw new IllegalStateException("zip tasks did not finish in time");
    }
    List<Block> out = new ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      out.add(StreamingExecutor.describe(refs.get(i), i));
    }
    return out;
  }
}
