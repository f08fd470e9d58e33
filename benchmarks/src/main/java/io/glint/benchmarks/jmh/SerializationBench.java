package io.glint.benchmarks.jmh;

import com.google.protobuf.ByteString;
import io.glint.api.ActorHandle;
import io.glint.api.ObjectRef;
import io.glint.internal.proto.ObjectReference;
import io.glint.internal.proto.SerializedValue;
import io.glint.internal.runtime.serialization.RefResolver;
import io.glint.internal.runtime.serialization.Serializer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The JAVA value format on the task path: small arguments, records, large arrays. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SerializationBench {
  /** A typical small record argument. */
  public record Point(int x, int y, String label) {}

  private Serializer serializer;
  private SerializedValue smallInt;
  private SerializedValue record;
  private SerializedValue megabyte;
  private final double[] doubles = new double[128 * 1024];
  private final Point point = new Point(1, 2, "p");

  @Setup
  public void setup() {
    RefResolver none =
        new RefResolver() {
          @Override
          public ObjectReference toReference(ObjectRef<?> ref) {
            throw new UnsupportedOperationException("no refs in this benchmark");
          }

          @Override
          public ObjectRef<?> fromReference(ObjectReference ref) {
            throw new UnsupportedOperationException("no refs in this benchmark");
          }

          @Override
          public ByteString actorIdOf(ActorHandle<?> handle) {
            throw new UnsupportedOperationException("no handles in this benchmark");
          }

          @Override
          public ActorHandle<?> actorFromId(ByteString actorId) {
            throw new UnsupportedOperationException("no handles in this benchmark");
          }
        };
    serializer = new Serializer(none, () -> SerializationBench.class.getClassLoader());
    smallInt = serializer.serialize(42);
    record = serializer.serialize(List.of(point, point));
    megabyte = serializer.serialize(doubles);
  }

  @Benchmark
  public SerializedValue serializeSmallInt() {
    return serializer.serialize(42);
  }

  @Benchmark
  public Object deserializeSmallInt() {
    return serializer.deserialize(smallInt);
  }

  @Benchmark
  public SerializedValue serializeRecords() {
    return serializer.serialize(List.of(point, point));
  }

  @Benchmark
  public Object deserializeRecords() {
    return serializer.deserialize(record);
  }

  @Benchmark
  public SerializedValue serializeMegabyteArray() {
    return serializer.serialize(doubles);
  }

  @Benchmark
  public Object deserializeMegabyteArray() {
    return serializer.deserialize(megabyte);
  }
}
