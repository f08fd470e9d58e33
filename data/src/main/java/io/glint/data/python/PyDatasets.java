package io.glint.data.python;

import io.glint.api.PyFunction;
import io.glint.data.AggregateFn;
import io.glint.data.Dataset;
import io.glint.data.DatasetStats;
import io.glint.data.GlintData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Runs a dataset described by Python's {@code glint.data} (Ray Data's names) on this engine: the
 * Python side builds a plan as plain values and calls {@link #run} as a Java task when a consumer
 * (write_parquet, take, count, ...) asks for results; Python steps run as {@code mapBatches} over
 * the store's memory.
 */
public final class PyDatasets {
  private PyDatasets() {}

  /** Runs {@code spec} ({source, ops, action}) and returns what the action asks for. */
  public static Object run(Map<String, Object> spec) {
    Dataset ds = build(spec);
    Map<String, Object> action = map(spec.get("action"), "action");
    String kind = str(action, "kind");
    return switch (kind) {
      case "write_parquet" -> ds.writeParquet(str(action, "path"));
      case "write_csv" -> ds.writeCsv(str(action, "path"));
      case "write_json" -> ds.writeJson(str(action, "path"));
      case "take" -> ds.take(num(action, "n").intValue());
      case "take_all" -> ds.takeAll();
      case "count" -> ds.count();
      case "schema" -> schema(ds.schema());
      case "explain" -> ds.explain();
      case "stats" -> {
        ds.count();
        DatasetStats s = ds.stats();
        yield s.toString();
      }
      default -> throw new IllegalArgumentException("unknown dataset action '" + kind + "'");
    };
  }

  private static Map<String, Object> schema(Schema s) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    List<String> types = new ArrayList<>();
    for (Field f : s.getFields()) {
      names.add(f.getName());
      types.add(f.getType().toString());
    }
    out.put("names", names);
    out.put("types", types);
    return out;
  }

  static Dataset build(Map<String, Object> spec) {
    Dataset ds = source(map(spec.get("source"), "source"));
    Object ops = spec.get("ops");
    if (ops instanceof List<?> list) {
      for (Object o : list) {
        ds = apply(ds, map(o, "op"));
      }
    }
    return ds;
  }

  private static Dataset source(Map<String, Object> src) {
    String kind = str(src, "kind");
    return switch (kind) {
      case "read_parquet" -> {
        List<String> columns = src.get("columns") == null ? null : strings(src.get("columns"));
        yield GlintData.readParquet(
            strings(src.get("paths")), new GlintData.ParquetRead(columns, null));
      }
      case "read_csv" -> GlintData.readCsv(strings(src.get("paths")).toArray(String[]::new));
      case "read_json" -> GlintData.readJson(strings(src.get("paths")).toArray(String[]::new));
      case "range" -> GlintData.range(num(src, "n").longValue());
      case "from_items" -> GlintData.fromItems((List<?>) src.get("items"));
      default -> throw new IllegalArgumentException("unknown dataset source '" + kind + "'");
    };
  }

  private static Dataset apply(Dataset ds, Map<String, Object> op) {
    String kind = str(op, "op");
    return switch (kind) {
      case "map_batches" ->
          ds.mapBatches(
              PyFunction.of(str(op, "module"), str(op, "function")),
              op.get("batch_size") == null ? 0 : num(op, "batch_size").intValue());
      case "random_shuffle" ->
          op.get("seed") == null
              ? ds.randomShuffle()
              : ds.randomShuffle(num(op, "seed").longValue());
      case "repartition" -> ds.repartition(num(op, "num_blocks").intValue());
      case "sort" -> ds.sort(str(op, "key"), Boolean.TRUE.equals(op.get("descending")));
      case "limit" -> ds.limit(num(op, "n").longValue());
      case "select_columns" -> ds.selectColumns(strings(op.get("cols")).toArray(String[]::new));
      case "drop_columns" -> ds.dropColumns(strings(op.get("cols")).toArray(String[]::new));
      case "groupby" -> {
        List<AggregateFn> aggs = new ArrayList<>();
        for (Object a : (List<?>) op.get("aggs")) {
          List<?> pair = (List<?>) a;
          aggs.add(new AggregateFn((String) pair.get(0), (String) pair.get(1)));
        }
        yield ds.groupBy(str(op, "key")).aggregate(aggs.toArray(AggregateFn[]::new));
      }
      case "union" -> {
        List<Dataset> others = new ArrayList<>();
        for (Object o : (List<?>) op.get("others")) {
          others.add(build(map(o, "dataset")));
        }
        yield ds.union(others.toArray(Dataset[]::new));
      }
      case "zip" -> ds.zip(build(map(op.get("other"), "dataset")));
      default -> throw new IllegalArgumentException("unknown dataset operation '" + kind + "'");
    };
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String what) {
    if (!(o instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("a dataset plan's " + what + " must be a dict, got " + o);
    }
    return (Map<String, Object>) m;
  }

  private static String str(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("'" + key + "' must be a string, got " + v);
    }
    return s;
  }

  private static Number num(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("'" + key + "' must be a number, got " + v);
    }
    return n;
  }

  private static List<String> strings(Object o) {
    if (o instanceof String s) {
      return List.of(s);
    }
    List<String> out = new ArrayList<>();
    for (Object x : (List<?>) o) {
      out.add((String) x);
    }
    return out;
  }
}
