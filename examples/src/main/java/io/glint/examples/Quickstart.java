package io.glint.examples;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import io.glint.api.WaitResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Ray core tutorial (tasks, actors, the object store) in Glint's Java terms. Run it with {@code
 * ./scripts/quickstart}.
 */
public final class Quickstart {
  private Quickstart() {}

  /** A remote function: any static method. */
  public static int square(int x) {
    return x * x;
  }

  /** Sleeps a little, then squares: to show {@code wait} returning the first ready results. */
  public static int slowSquare(int x) throws InterruptedException {
    Thread.sleep(10L * (x % 20));
    return x * x;
  }

  /** A task that prints: its output shows on the driver's console as "(pid=N) ...". */
  public static void hello(String who) {
    System.out.println("hello " + who + " from a task");
  }

  /** A task that reports where it ran. */
  public static long pid() {
    return ProcessHandle.current().pid();
  }

  /** Sums a large array passed by reference. */
  public static double sum(double[] data) {
    double s = 0;
    for (double d : data) {
      s += d;
    }
    return s;
  }

  /** The tutorial's stateful counter. */
  public static final class Counter {
    private int value;

    public int increment() {
      value += 1;
      return value;
    }

    public int get() {
      return value;
    }
  }

  /** The tutorial's model server: loads a "model" once, serves many calls concurrently. */
  public static final class ModelServer {
    private final String modelPath;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final CountDownLatch allArrived;

    public ModelServer(String modelPath, int expectedCalls) {
      this.modelPath = modelPath;
      this.allArrived = new CountDownLatch(expectedCalls);
    }

    /** Waits until every expected call is inside predict at once, then answers. */
    public String predict(String input) throws InterruptedException {
      int now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      allArrived.countDown();
      boolean together = allArrived.await(30, TimeUnit.SECONDS);
      inFlight.decrementAndGet();
      return modelPath + "(" + input + ")" + (together ? "" : " [timed out]");
    }

    public int maxConcurrentCalls() {
      return maxInFlight.get();
    }
  }

  public static void main(String[] args) {
    try {
      Glint.init();
    } catch (io.glint.api.exception.ConfigurationException e) {
      System.err.println("quickstart: " + e.getMessage());
      System.exit(2);
    }
    if (Glint.clusterResources().getOrDefault("CPU", 0.0) < 1) {
      Glint.shutdown();
      System.err.println(
          "quickstart: its tasks run on an embedded cluster, which needs at least 1 CPU"
              + " (GLINT_NUM_CPUS / -Dglint.numCpus is 0)");
      System.exit(2);
    }
    try {
      // Tasks
      ObjectRef<Integer> ref = Glint.task(Quickstart::square, 4).remote();
      System.out.println("square(4) = " + Glint.get(ref));

      List<ObjectRef<Integer>> refs = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        refs.add(Glint.task(Quickstart::square, i).remote());
      }
      List<Integer> results = Glint.get(refs);
      System.out.println(
          "1000 squares: first " + results.subList(0, 5) + ", last " + results.get(999));

      List<ObjectRef<Integer>> slow = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        slow.add(Glint.task(Quickstart::slowSquare, i).remote());
      }
      WaitResult<Integer> ready = Glint.wait(slow, 10, 5000);
      System.out.println(
          "wait(numReturns=10, timeout=5s): "
              + ready.getReady().size()
              + " ready, "
              + ready.getUnready().size()
              + " remaining");
      for (ObjectRef<Integer> r : ready.getReady()) {
        System.out.print(Glint.get(r) + " ");
      }
      System.out.println();

      Glint.get(Glint.task(Quickstart::hello, "world").remote());
      long workerPid = Glint.get(Glint.task(Quickstart::pid).remote());
      System.out.println(
          "driver pid " + ProcessHandle.current().pid() + ", task ran in pid " + workerPid);

      // Actors
      ActorHandle<Counter> counter = Glint.actor(Counter::new).remote();
      counter.task(Counter::increment).remote();
      counter.task(Counter::increment).remote();
      System.out.println("counter = " + Glint.get(counter.task(Counter::get).remote()));

      ActorHandle<ModelServer> server =
          Glint.actor(ModelServer::new, "model.bin", 10).setMaxConcurrency(10).remote();
      List<ObjectRef<String>> predictions = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        predictions.add(server.task(ModelServer::predict, "x" + i).remote());
      }
      System.out.println("predictions: " + Glint.get(predictions));
      System.out.println(
          "max concurrent predict calls: "
              + Glint.get(server.task(ModelServer::maxConcurrentCalls).remote()));

      // The object store: put once, pass the reference to 100 tasks.
      double[] large = new Random(42).doubles(1_000_000).toArray();
      ObjectRef<double[]> largeRef = Glint.put(large);
      List<ObjectRef<Double>> sums = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        sums.add(Glint.task(Quickstart::sum, largeRef).remote());
      }
      List<Double> all = Glint.get(sums);
      System.out.printf(
          "100 tasks read one stored array of %d doubles: sum %.3f (all equal: %b)%n",
          large.length, all.get(0), all.stream().distinct().count() == 1);
    } finally {
      Glint.shutdown();
    }
  }
}
