package io.glint.benchmarks.jmh;

import io.glint.internal.store.ObjectStoreManager;
import io.glint.internal.store.SharedMemoryStore;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
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

/**
 * The store's hot paths as the node daemon and a process drive them, without the RPCs: put (reserve
 * a range of the arena, copy, publish, delete) and get (resolve the link, read).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StoreBench {
  @Param({"1024", "1048576"})
  public int size;

  private ObjectStoreManager manager;
  private SharedMemoryStore store;
  private MemorySegment payload;
  private final byte[] readId = {1};
  private final AtomicLong next = new AtomicLong(100);

  @Setup(Level.Trial)
  public void setup() {
    Path dir =
        SharedMemoryStore.defaultRoot().resolve("glint-jmh-" + ProcessHandle.current().pid());
    manager =
        new ObjectStoreManager(
            new ObjectStoreManager.Options(
                dir,
                Path.of(System.getProperty("java.io.tmpdir"), dir.getFileName() + "-spill"),
                64L << 20));
    store = SharedMemoryStore.attach(dir);
    payload = MemorySegment.ofArray(new byte[size]);
    put(readId);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
  }

  private void put(byte[] id) {
    var ready = (ObjectStoreManager.CreateResult.Ready) manager.tryCreate(id, size, new byte[0]);
    try (var w = store.openPrepared(ready.path(), ready.arenaOffset(), size, (byte) 3)) {
      MemorySegment.copy(payload, 0, w.payload(), 0, size);
      w.seal();
    }
    manager.seal(id);
  }

  @Benchmark
  public void putAndDelete() {
    byte[] id = Long.toString(next.incrementAndGet()).getBytes();
    put(id);
    manager.delete(id);
  }

  @Benchmark
  public byte get() {
    try (var o = store.get(readId).orElseThrow()) {
      return o.payload().get(ValueLayout.JAVA_BYTE, size - 1);
    }
  }
}
