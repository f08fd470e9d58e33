package io.glint.it;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Actor classes used by the integration tests. */
public final class Actors {
  private Actors() {}

  /** The tutorial's counter. */
  public static final class Counter {
    private int value;

    public Counter() {}

    public Counter(int start) {
      this.value = start;
    }

    public int increment() {
      value += 1;
      return value;
    }

    public int add(int n) {
      value += n;
      return value;
    }

    public int get() {
      return value;
    }

    public long pid() {
      return ProcessHandle.current().pid();
    }

    /** Increments after {@code millis}: a call still running when the test kills the actor. */
    public int incrementAfter(long millis) throws InterruptedException {
      Thread.sleep(millis);
      return increment();
    }

    public void exit() {
      System.exit(1);
    }
  }

  /** Records the order calls arrive in; tracks how many run at once. */
  public static final class Recorder {
    private final List<Integer> seen = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    public synchronized int record(int i) {
      seen.add(i);
      return i;
    }

    public synchronized List<Integer> seen() {
      return new ArrayList<>(seen);
    }

    public String slow(long millis) throws InterruptedException {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      Thread.sleep(millis);
      inFlight.decrementAndGet();
      return "ok";
    }

    public int maxInFlight() {
      return maxInFlight.get();
    }
  }

  /** Proves concurrency with a barrier: every call waits until {@code parties} calls are inside. */
  public static final class Barrier {
    private final CountDownLatch latch;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    public Barrier(int parties) {
      this.latch = new CountDownLatch(parties);
    }

    public boolean arrive() throws InterruptedException {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      latch.countDown();
      boolean all = latch.await(30, TimeUnit.SECONDS);
      inFlight.decrementAndGet();
      return all;
    }

    public int maxInFlight() {
      return maxInFlight.get();
    }
  }

  /** Async methods: they return futures completed later, freeing the actor's single thread. */
  public static final class AsyncService {
    private final List<CompletableFuture<String>> waiting = new ArrayList<>();

    /** Parks until {@link #release} is called; returns at once, so the thread is free. */
    public synchronized CompletableFuture<String> await(String tag) {
      CompletableFuture<String> f = new CompletableFuture<>();
      waiting.add(f);
      return f.thenApply(v -> tag + ":" + v);
    }

    public synchronized int release(String value) {
      int n = waiting.size();
      waiting.forEach(f -> f.complete(value));
      waiting.clear();
      return n;
    }

    public CompletableFuture<String> failLater() {
      return CompletableFuture.supplyAsync(
          () -> {
            throw new IllegalArgumentException("async boom");
          });
    }
  }

  /** Submits tasks from inside an actor and waits for them. */
  public static final class Submitter {
    public int sumOfSquares(int n) {
      return Fns.nested(n);
    }
  }

  /** A constructor that fails. */
  public static final class Broken {
    public Broken(String why) {
      throw new IllegalStateException(why);
    }

    public int ping() {
      return 1;
    }
  }

  /** Calls another actor given as an argument. */
  public static int bumpTwice(ActorHandle<Counter> counter) {
    Glint.get(counter.task(Counter::increment).remote());
    return Glint.get(counter.task(Counter::increment).remote());
  }
}
