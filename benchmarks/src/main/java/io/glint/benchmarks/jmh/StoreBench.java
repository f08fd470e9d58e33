package io.glint.benchmarks.jmh;

import io.glint.internal.store.SharedMemoryStore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Store put (create, copy, seal, delete) and get (map, read, release) on tmpfs. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StoreBench {
  @Param({"1024", "1048576"})
  public int size;

  private SharedMemoryStore store;
  private byte[] payload;
  private final byte[] readId = {1};
  private final AtomicLong next = new AtomicLong(100);

  @Setup(Level.Trial)
  public void setup() {
    store =
        SharedMemoryStore.createOwned(
            SharedMemoryStore.defaultRoot().resolve("glint-jmh-" + ProcessHandle.current().pid()));
    payload = new byte[size];
    store.put(readId, (byte) 3, payload, 0, payload.length);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
  }

  @Benchmark
  public void putAndDelete() {
    byte[] id = Long.toString(next.incrementAndGet()).getBytes();
    store.put(id, (byte) 3, payload, 0, payload.length);
    store.delete(id);
  }

  @Benchmark
  public byte getAndRelease() {
    try (var o = store.get(readId).orElseThrow()) {
      return o.payload().get(java.lang.foreign.ValueLayout.JAVA_BYTE, size - 1);
    }
  }
}
