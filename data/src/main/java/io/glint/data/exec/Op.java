package io.glint.data.exec;

import io.glint.data.ActorPoolStrategy;
import io.glint.data.BatchFnFactory;
import java.util.List;

/** A dataset's logical plan: each op knows its input; nothing runs until a consumer asks. */
public sealed interface Op {
  /** A one-line description for {@code explain()}. */
  String describe();

  record Read(String name, List<ReadTask> tasks) implements Op {
    @Override
    public String describe() {
      return name + " (" + tasks.size() + " read tasks)";
    }
  }

  /** Blocks already in the object store (fromArrow, materialize). */
  record FromBlocks(String name, List<Block> blocks) implements Op {
    @Override
    public String describe() {
      return name + " (" + blocks.size() + " blocks)";
    }
  }

  record Step(Op input, BlockTransform transform) implements Op {
    @Override
    public String describe() {
      return transform.name();
    }
  }

  record ActorMap(Op input, BatchFnFactory factory, ActorPoolStrategy pool, int batchSize)
      implements Op {
    @Override
    public String describe() {
      return "MapBatches(" + Transforms.fnName(factory) + ", actors=" + pool.size() + ")";
    }
  }

  record PyMap(Op input, String module, String function, int batchSize) implements Op {
    @Override
    public String describe() {
      return "MapBatches(" + module + "." + function + ")";
    }
  }

  record Shuffle(Op input, AllToAll.Kind kind) implements Op {
    @Override
    public String describe() {
      return kind.name();
    }
  }

  record Limit(Op input, long n) implements Op {
    @Override
    public String describe() {
      return "Limit(" + n + ")";
    }
  }

  record Union(List<Op> inputs) implements Op {
    @Override
    public String describe() {
      return "Union(" + inputs.size() + " datasets)";
    }
  }

  record Zip(Op left, Op right) implements Op {
    @Override
    public String describe() {
      return "Zip";
    }
  }

  /** The op this one reads from, or null for sources and multi-input ops. */
  static Op inputOf(Op op) {
    return switch (op) {
      case Step s -> s.input();
      case ActorMap a -> a.input();
      case PyMap p -> p.input();
      case Shuffle s -> s.input();
      case Limit l -> l.input();
      default -> null;
    };
  }

  /** The plan as indented lines, sources last (as Ray's explain prints it). */
  static String explain(Op op) {
    StringBuilder sb = new StringBuilder();
    explain(op, 0, sb);
    return sb.toString();
  }

  private static void explain(Op op, int depth, StringBuilder sb) {
    sb.append("  ".repeat(depth))
        .append(depth == 0 ? "" : "+- ")
        .append(op.describe())
        .append('\n');
    switch (op) {
      case Union u -> u.inputs().forEach(i -> explain(i, depth + 1, sb));
      case Zip z -> {
        explain(z.left(), depth + 1, sb);
        explain(z.right(), depth + 1, sb);
      }
      default -> {
        Op in = inputOf(op);
        if (in != null) {
          explain(in, depth + 1, sb);
        }
      }
    }
  }
}
