package io.glint.data.exec;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.data.AggregateFn;
import io.glint.data.block.Blocks;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Shuffles: every output block takes rows from every input block. Map tasks order each input
 * block's rows by output partition (a {@code __part} column); reduce task {@code j} reads its slice
 * of every mapped block from the object store and finishes the partition (shuffles, sorts or
 * aggregates it). Kinds: random shuffle, repartition, sort, group-by.
 */
public final class AllToAll {
  static final String PART = "__part";
  private static final int GET_GROUP = 4;
  static final long SHUFFLE_TIMEOUT_MS = Long.getLong("glint.data.shuffleTimeoutMs", 3_600_000L);

  private AllToAll() {}

  /** What a shuffle does. */
  public sealed interface Kind extends Serializable {
    String name();
  }

  public record RandomShuffle(long seed) implements Kind {
    @Override
    public String name() {
      return "RandomShuffle";
    }
  }

  public record Repartition(int numBlocks) implements Kind {
    @Override
    public String name() {
      return "Repartition(" + numBlocks + ")";
    }
  }

  public record Sort(String key, boolean descending) implements Kind {
    @Override
    public String name() {
      return "Sort(" + key + (descending ? ", descending" : "") + ")";
    }
  }

  public record GroupBy(String key, List<AggregateFn> aggs) implements Kind {
    @Override
    public String name() {
      return "Aggregate(" + key + ": " + aggs.stream().map(AggregateFn::outputName).toList() + ")";
    }
  }

  /** How a map task assigns rows to partitions. */
  record Partitioner(Kind kind, int parts, long rowOffset, long totalRows, Object[] bounds)
      implements Serializable {}

  /** Runs a shuffle over {@code in} (released as they are consumed); returns the output blocks. */
  static List<ObjectRef<VectorSchemaRoot>> run(Kind kind, List<Block> in, int parallelism) {
    int parts = kind instanceof Repartition r ? r.numBlocks() : Math.max(1, in.size());
    long total = in.stream().mapToLong(Block::rows).sum();
    Object[] bounds = null;
    String key = kind instanceof Sort s ? s.key() : kind instanceof GroupBy g ? g.key() : null;
    if (key != null) {
      bounds = bounds(in, key, parts, kind instanceof Sort s && s.descending());
    }
    List<ObjectRef<VectorSchemaRoot>> mapped = new ArrayList<>();
    long offset = 0;
    for (Block b : in) {
      mapped.add(
          Glint.task(
                  AllToAll::partition,
                  b.ref(),
                  new Partitioner(kind, parts, offset, total, bounds),
                  b.index())
              .remote());
      offset += b.rows();
    }
    in.forEach(b -> b.ref().release());
    // Reducers find the mapped blocks inside a list, so the scheduler cannot see that they wait
    // for them: submitted now they would sit on CPUs, blocked in get, while map tasks wait for
    // workers. Start them once the map side is done.
    if (Glint.wait(mapped, mapped.size(), SHUFFLE_TIMEOUT_MS).getReady().size() < mapped.size()) {
      mapped.forEach(ObjectRef::release);
      throw new IllegalStateException(
          kind.name() + ": map tasks did not finish in " + SHUFFLE_TIMEOUT_MS / 1000 + " s");
    }
    // At most `parallelism` reducers at a time: a reducer's gets block it briefly, and with more
    // reducers queued the node would start new workers for them each time.
    List<ObjectRef<VectorSchemaRoot>> out = new ArrayList<>();
    ArrayList<ObjectRef<VectorSchemaRoot>> mappedList = new ArrayList<>(mapped);
    List<ObjectRef<VectorSchemaRoot>> running = new ArrayList<>();
    long deadline = System.nanoTime() + SHUFFLE_TIMEOUT_MS * 1_000_000;
    try {
      for (int j = 0; j < parts || !running.isEmpty(); ) {
        if (j < parts && running.size() < parallelism) {
          ObjectRef<VectorSchemaRoot> r =
              Glint.task(AllToAll::reduce, mappedList, kind, j).remote();
          out.add(r);
          running.add(r);
          j++;
          continue;
        }
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          throw new IllegalStateException(
              kind.name() + ": reduce tasks did not finish in " + SHUFFLE_TIMEOUT_MS / 1000 + " s");
        }
        running.removeAll(Glint.wait(running, 1, left).getReady());
      }
    } catch (RuntimeException e) {
      out.forEach(ObjectRef::release);
      throw e;
    } finally {
      // The reducers read the mapped blocks through refs inside their arguments: kept until here.
      mapped.forEach(ObjectRef::release);
    }
    return out;
  }

  /** Partition boundaries for a range partitioning on {@code key}, from a sample of each block. */
  private static Object[] bounds(List<Block> in, String key, int parts, boolean descending) {
    List<ObjectRef<ArrayList<Object>>> samples = new ArrayList<>();
    for (Block b : in) {
      samples.add(Glint.task(AllToAll::sample, b.ref(), key, 64).remote());
    }
    List<Object> all = new ArrayList<>();
    for (ArrayList<Object> s : Glint.get(samples)) {
      all.addAll(s);
    }
    all.removeIf(java.util.Objects::isNull);
    Comparator<Object> cmp = descending ? KEYS.reversed() : KEYS;
    all.sort(cmp);
    Object[] bounds = new Object[Math.max(0, parts - 1)];
    for (int i = 1; i < parts && !all.isEmpty(); i++) {
      bounds[i - 1] = all.get(Math.min(all.size() - 1, (int) ((long) i * all.size() / parts)));
    }
    return all.isEmpty() ? new Object[0] : bounds;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static final Comparator<Object> KEYS =
      Comparator.nullsFirst(
          (a, b) -> {
            if (a instanceof Number x && b instanceof Number y) {
              return Double.compare(x.doubleValue(), y.doubleValue());
            }
            return ((Comparable) a).compareTo(b);
          });

  public static ArrayList<Object> sample(VectorSchemaRoot block, String key, int n) {
    try (block) {
      FieldVector v = column(block, key);
      ArrayList<Object> out = new ArrayList<>();
      int rows = block.getRowCount();
      for (int i = 0; i < Math.min(n, rows); i++) {
        out.add(Blocks.value(v, (int) ((long) i * rows / Math.min(n, rows))));
      }
      return out;
    }
  }

  private static FieldVector column(VectorSchemaRoot block, String key) {
    FieldVector v = block.getVector(key);
    if (v == null) {
      throw new IllegalArgumentException(
          "no column '"
              + key
              + "' (columns: "
              + block.getSchema().getFields().stream().map(Field::getName).toList()
              + ")");
    }
    return v;
  }

  /** Map side: the block's rows ordered by partition, with the partition in column __part. */
  public static VectorSchemaRoot partition(VectorSchemaRoot block, Partitioner p, int index) {
    try (block) {
      int rows = block.getRowCount();
      int[] part = new int[rows];
      switch (p.kind()) {
        case RandomShuffle r -> {
          Random rnd = new Random(r.seed() * 31 + index);
          for (int i = 0; i < rows; i++) {
            part[i] = rnd.nextInt(p.parts());
          }
        }
        case Repartition r -> {
          for (int i = 0; i < rows; i++) {
            part[i] = (int) ((p.rowOffset() + i) * p.parts() / Math.max(1, p.totalRows()));
          }
        }
        case Sort s -> rangeParts(block, s.key(), p.bounds(), s.descending(), part);
        case GroupBy g -> rangeParts(block, g.key(), p.bounds(), false, part);
      }
      // A counting sort by partition: stable, so rows keep their order within a partition.
      int[] start = new int[p.parts() + 1];
      for (int i = 0; i < rows; i++) {
        start[part[i] + 1]++;
      }
      for (int k = 0; k < p.parts(); k++) {
        start[k + 1] += start[k];
      }
      int[] idx = new int[rows];
      for (int i = 0; i < rows; i++) {
        idx[start[part[i]]++] = i;
      }
      VectorSchemaRoot gathered = Blocks.gather(block, idx, rows);
      IntVector pv = new IntVector(PART, Blocks.ALLOCATOR);
      pv.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        pv.set(i, part[idx[i]]);
      }
      pv.setValueCount(rows);
      List<FieldVector> vs = new ArrayList<>(gathered.getFieldVectors());
      vs.add(pv);
      List<Field> fs = new ArrayList<>(gathered.getSchema().getFields());
      fs.add(new Field(PART, FieldType.notNullable(new ArrowType.Int(32, true)), null));
      return new VectorSchemaRoot(fs, vs, rows);
    }
  }

  private static void rangeParts(
      VectorSchemaRoot block, String key, Object[] bounds, boolean descending, int[] part) {
    FieldVector v = column(block, key);
    Comparator<Object> cmp = descending ? KEYS.reversed() : KEYS;
    for (int i = 0; i < part.length; i++) {
      Object k = Blocks.value(v, i);
      int lo = 0;
      int hi = bounds.length;
      while (lo < hi) { // first bound greater than k
        int mid = (lo + hi) >>> 1;
        if (cmp.compare(bounds[mid], k) <= 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      part[i] = lo;
    }
  }

  /** Reduce side: partition {@code j} of every mapped block, finished as {@code kind} says. */
  public static VectorSchemaRoot reduce(
      ArrayList<ObjectRef<VectorSchemaRoot>> mapped, Kind kind, int j) {
    List<VectorSchemaRoot> slices = new ArrayList<>();
    Schema schema = null;
    // Gets in small groups: fewer round trips than one by one, while only a few mapped blocks are
    // pinned at a time (a reducer pinning every mapped block can fill the store with them).
    try {
      for (int g = 0; g < mapped.size(); g += GET_GROUP) {
        List<VectorSchemaRoot> group =
            Glint.get(mapped.subList(g, Math.min(mapped.size(), g + GET_GROUP)));
        try {
          for (VectorSchemaRoot m : group) {
            IntVector pv = (IntVector) m.getVector(PART);
            int from = firstAtLeast(pv, m.getRowCount(), j);
            int to = firstAtLeast(pv, m.getRowCount(), j + 1);
            try (VectorSchemaRoot withoutPart = dropPart(m)) {
              schema = withoutPart.getSchema();
              slices.add(Blocks.slice(withoutPart, from, to - from));
            }
          }
        } finally {
          group.forEach(VectorSchemaRoot::close);
        }
      }
      try (VectorSchemaRoot rows = Blocks.concat(schema, slices)) {
        return finish(kind, rows, j);
      }
    } finally {
      slices.forEach(VectorSchemaRoot::close);
    }
  }

  private static int firstAtLeast(IntVector pv, int rows, int j) {
    int lo = 0;
    int hi = rows;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (pv.get(mid) < j) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static VectorSchemaRoot dropPart(VectorSchemaRoot m) {
    List<String> keep = new ArrayList<>();
    m.getSchema().getFields().forEach(f -> keep.add(f.getName()));
    keep.remove(PART);
    return Blocks.project(m, keep);
  }

  private static VectorSchemaRoot finish(Kind kind, VectorSchemaRoot rows, int j) {
    int n = rows.getRowCount();
    return switch (kind) {
      case RandomShuffle r -> Blocks.gather(rows, shuffled(n, new Random(r.seed() * 17 + j)), n);
      case Repartition r -> Blocks.slice(rows, 0, n);
      case Sort s -> Blocks.gather(rows, sorted(rows, s), n);
      case GroupBy g -> aggregate(rows, g);
    };
  }

  private static int[] shuffled(int n, Random rnd) {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    for (int i = n - 1; i > 0; i--) { // Fisher-Yates
      int k = rnd.nextInt(i + 1);
      int t = idx[i];
      idx[i] = idx[k];
      idx[k] = t;
    }
    return idx;
  }

  private static int[] sorted(VectorSchemaRoot rows, Sort s) {
    FieldVector v = column(rows, s.key());
    Comparator<Object> cmp = s.descending() ? KEYS.reversed() : KEYS;
    Integer[] order = new Integer[rows.getRowCount()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> cmp.compare(Blocks.value(v, a), Blocks.value(v, b)));
    int[] idx = new int[order.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = order[i];
    }
    return idx;
  }

  private static VectorSchemaRoot aggregate(VectorSchemaRoot rows, GroupBy g) {
    FieldVector key = column(rows, g.key());
    for (AggregateFn a : g.aggs()) {
      if (a.column() != null && !Blocks.isNumeric(column(rows, a.column()))) {
        throw new IllegalArgumentException(
            a.outputName() + ": column '" + a.column() + "' is not numeric");
      }
    }
    Map<Object, double[]> acc = new java.util.TreeMap<>(KEYS);
    Map<Object, long[]> counts = new java.util.TreeMap<>(KEYS);
    int na = g.aggs().size();
    for (int i = 0; i < rows.getRowCount(); i++) {
      Object k = Blocks.value(key, i);
      double[] a = acc.computeIfAbsent(k, x -> initial(g.aggs()));
      long[] c = counts.computeIfAbsent(k, x -> new long[na + 1]);
      c[na]++;
      for (int f = 0; f < na; f++) {
        AggregateFn fn = g.aggs().get(f);
        if (fn.column() == null) {
          continue;
        }
        Object v = Blocks.value(rows.getVector(fn.column()), i);
        if (v == null) {
          continue;
        }
        double d = ((Number) v).doubleValue();
        c[f]++;
        a[f] =
            switch (fn.kind()) {
              case "sum", "mean" -> a[f] + d;
              case "min" -> Math.min(a[f], d);
              case "max" -> Math.max(a[f], d);
              default -> a[f];
            };
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (var e : acc.entrySet()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put(g.key(), e.getKey());
      long[] c = counts.get(e.getKey());
      for (int f = 0; f < na; f++) {
        AggregateFn fn = g.aggs().get(f);
        Object v =
            switch (fn.kind()) {
              case "count" -> c[na];
              case "mean" -> c[f] == 0 ? null : e.getValue()[f] / c[f];
              default -> c[f] == 0 ? null : integral(rows, fn.column(), e.getValue()[f]);
            };
        row.put(fn.outputName(), v);
      }
      out.add(row);
    }
    if (out.isEmpty()) {
      return Blocks.empty(outputSchema(rows.getSchema(), g));
    }
    return Blocks.fromRows(outputSchema(rows.getSchema(), g), out);
  }

  private static double[] initial(List<AggregateFn> aggs) {
    double[] a = new double[aggs.size()];
    for (int f = 0; f < a.length; f++) {
      a[f] =
          switch (aggs.get(f).kind()) {
            case "min" -> Double.POSITIVE_INFINITY;
            case "max" -> Double.NEGATIVE_INFINITY;
            default -> 0;
          };
    }
    return a;
  }

  private static Object integral(VectorSchemaRoot rows, String column, double v) {
    return rows.getVector(column).getField().getType() instanceof ArrowType.Int
        ? (Object) (long) v
        : (Object) v;
  }

  /** The schema of a group-by's output. */
  static Schema outputSchema(Schema in, GroupBy g) {
    List<Field> fs = new ArrayList<>();
    Field keyField = in.findField(g.key());
    fs.add(new Field(g.key(), FieldType.nullable(keyField.getType()), null));
    for (AggregateFn a : g.aggs()) {
      ArrowType t =
          switch (a.kind()) {
            case "count" -> new ArrowType.Int(64, true);
            case "mean" ->
                new ArrowType.FloatingPoint(
                    org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE);
            default ->
                in.findField(a.column()).getType() instanceof ArrowType.Int
                    ? new ArrowType.Int(64, true)
                    : new ArrowType.FloatingPoint(
                        org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE);
          };
      fs.add(new Field(a.outputName(), FieldType.nullable(t), null));
    }
    return new Schema(fs);
  }
}
