package io.glint.it;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import java.util.ArrayList;
import java.util.List;

/** Remote functions and an actor that pass ObjectRefs around inside values. */
public final class RefFns {
  private RefFns() {}

  /** Reads every ref in the list: the total number of bytes. */
  public static long totalLength(List<ObjectRef<byte[]>> refs) {
    long n = 0;
    for (ObjectRef<byte[]> r : refs) {
      n += Glint.get(r).length;
    }
    return n;
  }

  /** Puts {@code n} objects of {@code size} bytes here (this worker owns them) and returns refs. */
  public static List<ObjectRef<byte[]>> putMany(int n, int size) {
    List<ObjectRef<byte[]>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Glint.put(StoreFns.bytes(size, (byte) (i + 1))));
    }
    return out;
  }

  /** Keeps a ref it was given inside a list, after the call that gave it returned. */
  public static final class Holder {
    private ObjectRef<byte[]> held;

    public boolean hold(List<ObjectRef<byte[]>> refs) {
      held = refs.get(0);
      return true;
    }

    public int read() {
      return Glint.get(held).length;
    }

    public boolean drop() {
      held = null;
      return true;
    }

    private ObjectRef<List<ObjectRef<byte[]>>> wrapped;

    /** Puts a list holding the ref (an object this actor owns) and keeps only that. */
    public boolean wrap() {
      wrapped = Glint.put(new java.util.ArrayList<>(List.of(held)));
      held = null;
      return true;
    }
  }
}
