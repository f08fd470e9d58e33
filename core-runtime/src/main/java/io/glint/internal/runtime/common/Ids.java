package io.glint.internal.runtime.common;

import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Binary ids. Node, worker, job-independent task, actor and lease ids are 16 random bytes; an
 * object id is its task's id followed by a 4-byte index (big endian), so a task's returns are
 * derived from it; {@code put} objects use index {@link #PUT_INDEX}.
 */
public final class Ids {
  public static final int ID_BYTES = 16;
  public static final int OBJECT_ID_BYTES = ID_BYTES + 4;
  public static final int PUT_INDEX = -1;

  private static final ThreadLocal<SplittableRandom> RANDOM =
      ThreadLocal.withInitial(() -> new SplittableRandom(new SecureRandom().nextLong()));

  private Ids() {}

  public static ByteString random() {
    byte[] b = new byte[ID_BYTES];
    SplittableRandom r = RANDOM.get();
    for (int i = 0; i < ID_BYTES; i += 8) {
      long v = r.nextLong();
      for (int j = 0; j < 8; j++) {
        b[i + j] = (byte) (v >>> (8 * j));
      }
    }
    return com.google.protobuf.UnsafeByteOperations.unsafeWrap(b); // b is never written again
  }

  public static ByteString objectId(ByteString taskId, int index) {
    byte[] b = new byte[OBJECT_ID_BYTES];
    taskId.copyTo(b, 0);
    b[ID_BYTES] = (byte) (index >>> 24);
    b[ID_BYTES + 1] = (byte) (index >>> 16);
    b[ID_BYTES + 2] = (byte) (index >>> 8);
    b[ID_BYTES + 3] = (byte) index;
    return com.google.protobuf.UnsafeByteOperations.unsafeWrap(b); // b is never written again
  }

  public static ByteString taskIdOf(ByteString objectId) {
    return objectId.substring(0, ID_BYTES);
  }

  public static String hex(ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }

  /** The first 8 hex digits, for logs. */
  public static String shortHex(ByteString id) {
    String h = hex(id);
    return h.length() > 8 ? h.substring(0, 8) : h;
  }

  public static ByteString fromHex(String hex) {
    return ByteString.copyFrom(HexFormat.of().parseHex(hex));
  }
}
