package io.glint.api;

/**
 * Writes and reads values of one type, for types Glint cannot carry on its own (or that you want
 * carried your way). Register one for the driver and every worker of the job: list it in {@code
 * META-INF/services/io.glint.api.ValueSerializer} of a jar on the class path, or pass it to {@link
 * InitOptions.Builder#serializer}. It needs a public no-argument constructor (workers create their
 * own), and applies to {@link #type()} and its subclasses.
 *
 * <pre>{@code
 * public final class MoneySerializer implements ValueSerializer<Money> {
 *   public Class<Money> type() { return Money.class; }
 *
 *   public void write(ValueWriter out, Money m) {
 *     out.writeString(m.currency());
 *     out.writeLong(m.cents());
 *   }
 *
 *   public Money read(ValueReader in) {
 *     return new Money(in.readString(), in.readLong());
 *   }
 * }
 *
 * Glint.init(InitOptions.builder().serializer(MoneySerializer.class).build());
 * }</pre>
 *
 * @param <T> the type it serializes
 */
public interface ValueSerializer<T> {
  /** The type this serializer is for (subclasses included). */
  Class<T> type();

  /** Writes {@code value}; read back by {@link #read} in the same order. */
  void write(ValueWriter out, T value);

  /** Reads a value written by {@link #write}. */
  T read(ValueReader in);

  /** Where a {@link ValueSerializer} writes. {@link #writeObject} takes any value Glint carries. */
  interface ValueWriter {
    void writeBoolean(boolean v);

    void writeInt(int v);

    void writeLong(long v);

    void writeDouble(double v);

    /** A string, or null. */
    void writeString(String v);

    /** Bytes, or null. */
    void writeBytes(byte[] v);

    /** Any value Glint can carry (collections, records, ObjectRefs, ...), or null. */
    void writeObject(Object v);
  }

  /** Where a {@link ValueSerializer} reads, in the order it wrote. */
  interface ValueReader {
    boolean readBoolean();

    int readInt();

    long readLong();

    double readDouble();

    String readString();

    byte[] readBytes();

    /** A value written with {@link ValueWriter#writeObject}. */
    <V> V readObject();
  }
}
