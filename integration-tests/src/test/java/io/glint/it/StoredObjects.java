package io.glint.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.glint.api.Glint;

/** The node's stored-object count, as the reference-counting tests watch it. */
final class StoredObjects {
  private StoredObjects() {}

  static long count() {
    return Glint.objectStoreStats().get(0).objectCount();
  }

  /** Collects here until the store holds {@code expected} objects (workers collect when idle). */
  static void await(long expected) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (count() != expected && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(50);
    }
    assertThat(count()).isEqualTo(expected);
  }

  /** Several collections with pauses: a holder that let go would have been seen by now. */
  static void collectForAWhile() throws InterruptedException {
    for (int i = 0; i < 10; i++) {
      System.gc();
      Thread.sleep(100);
    }
  }
}
