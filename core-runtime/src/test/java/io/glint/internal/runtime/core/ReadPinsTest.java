package io.glint.internal.runtime.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadPinsTest {
  private static final ByteString A = ByteString.copyFromUtf8("object-a");
  private static final ByteString B = ByteString.copyFromUtf8("object-b");
  private static final ByteString GONE = ByteString.copyFromUtf8("gone");

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<ByteString> pinned = new CopyOnWriteArrayList<>();
  private final List<List<ByteString>> unpinned = new CopyOnWriteArrayList<>();

  private List<ByteString> pin(List<ByteString> ids) {
    List<ByteString> missing = new ArrayList<>();
    for (ByteString id : ids) {
      if (id.equals(GONE)) {
        missing.add(id);
      } else {
        pinned.add(id);
      }
    }
    return missing;
  }

  private ReadPins pins(long lingerNanos) {
    return new ReadPins(this::pin, unpinned::add, () -> timer, lingerNanos);
  }

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  @Test
  void readsInQuickSuccessionShareOnePin() {
    ReadPins p = pins(TimeUnit.SECONDS.toNanos(60));
    for (int i = 0; i < 5; i++) {
      assertThat(p.acquire(A)).isTrue();
      p.release(A);
    }
    assertThat(pinned).containsExactly(A);
    assertThat(unpinned).isEmpty();
    assertThat(p.heldCount()).isEqualTo(1);
  }

  @Test
  void aPinEndsOnceNobodyReadItForTheLinger() throws InterruptedException {
    ReadPins p = pins(TimeUnit.MILLISECONDS.toNanos(1));
    assertThat(p.acquire(A)).isTrue();
    assertThat(p.acquire(B)).isTrue();
    p.release(A);
    awaitUnpinned(List.of(A));
    // B is still being read: its pin stays until that read ends, then lingers and ends.
    assertThat(p.heldCount()).isEqualTo(1);
    p.release(B);
    awaitUnpinned(List.of(A, B));
    assertThat(p.heldCount()).isZero();
    // A later read pins again.
    assertThat(p.acquire(A)).isTrue();
    assertThat(pinned).containsExactly(A, B, A);
  }

  @Test
  void aFreedObjectsPinEndsAtOnceUnlessItIsBeingRead() {
    ReadPins p = pins(TimeUnit.SECONDS.toNanos(60));
    assertThat(p.acquire(A)).isTrue();
    p.forget(A); // still read: kept
    assertThat(unpinned).isEmpty();
    p.release(A);
    p.forget(A);
    assertThat(unpinned).containsExactly(List.of(A));
    assertThat(p.heldCount()).isZero();
    p.forget(A); // nothing held: nothing sent
    assertThat(unpinned).hasSize(1);
  }

  @Test
  void anObjectTheNodeDoesNotHaveIsNotHeld() {
    ReadPins p = pins(TimeUnit.SECONDS.toNanos(60));
    assertThat(p.acquire(GONE)).isFalse();
    assertThat(p.heldCount()).isZero();
    p.release(GONE); // a release without a hold changes nothing
    assertThat(unpinned).isEmpty();
  }

  private void awaitUnpinned(List<ByteString> expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (unpinned.stream().flatMap(List::stream).toList().size() < expected.size()
        && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(unpinned.stream().flatMap(List::stream).toList())
        .containsExactlyElementsOf(expected);
  }
}
