package io.glint.data.exec;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.data.block.Blocks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;

/** Zip: a left block beside the rows of the right blocks that line up with it. */
public final class ZipTasks {
  private ZipTasks() {}

  public static VectorSchemaRoot zip(
      VectorSchemaRoot left, ArrayList<ObjectRef<VectorSchemaRoot>> right, Long skip) {
    try (left) {
      int rows = left.getRowCount();
      List<VectorSchemaRoot> slices = new ArrayList<>();
      try {
        long toSkip = skip;
        int need = rows;
        List<VectorSchemaRoot> all = Glint.get(right);
        for (VectorSchemaRoot fetched : all) {
          try (VectorSchemaRoot r = fetched) {
            int from = (int) Math.min(toSkip, r.getRowCount());
            toSkip -= from;
            int take = Math.min(need, r.getRowCount() - from);
            if (take > 0) {
              slices.add(Blocks.slice(r, from, take));
              need -= take;
            }
          }
        }
        if (slices.isEmpty()) {
          return Blocks.slice(left, 0, rows);
        }
        try (VectorSchemaRoot r = Blocks.concat(slices.get(0).getSchema(), slices);
            VectorSchemaRoot l = Blocks.slice(left, 0, rows)) {
          List<FieldVector> vs = new ArrayList<>();
          List<Field> fs = new ArrayList<>();
          Set<String> names = new HashSet<>();
          for (FieldVector v : l.getFieldVectors()) {
            names.add(v.getName());
          }
          move(l, vs, fs, null);
          move(r, vs, fs, names);
          return new VectorSchemaRoot(fs, vs, rows);
        }
      } finally {
        slices.forEach(VectorSchemaRoot::close);
      }
    }
  }

  /** Moves {@code from}'s vectors into the lists, renaming clashes as Ray does (x -> x_1). */
  private static void move(
      VectorSchemaRoot from, List<FieldVector> vs, List<Field> fs, Set<String> taken) {
    for (FieldVector v : from.getFieldVectors()) {
      String name = v.getName();
      if (taken != null && taken.contains(name)) {
        name = name + "_1";
      }
      var tp = v.getTransferPair(name, v.getAllocator());
      tp.transfer();
      FieldVector moved = (FieldVector) tp.getTo();
      vs.add(moved);
      fs.add(moved.getField());
    }
  }
}
