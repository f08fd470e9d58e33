package io.glint.benchmarks;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The remote functions and actors of the microbenchmark, shaped like Ray's ray_perf.py. */
public final class BenchFns {
  private BenchFns() {}

  static final byte[] OK = {'o', 'k'};

  public static byte[] smallValue() {
    return OK;
  }

  /** The seed's {@code tiny_task}: next to no work. */
  public static int tiny(int x) {
    return x;
  }

  /** A 5 ms child task. */
  public static int sleep5ms() throws InterruptedException {
    Thread.sleep(5);
    return 1;
  }

  /** A parent calling two 5 ms children in turn, waiting for each. */
  public static int nestedParent() {
    int a = Glint.get(Glint.task(BenchFns::sleep5ms).remote());
    int b = Glint.get(Glint.task(BenchFns::sleep5ms).remote());
    return a + b;
  }

  public static int smallValueBatch(int n) {
    List<ObjectRef<byte[]>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(Glint.task(BenchFns::smallValue).remote());
    }
    Glint.get(refs);
    return 0;
  }

  /** How many refs a list holds (it reaches the task as refs, not values). */
  public static int countRefs(List<ObjectRef<Integer>> refs) {
    return refs.size();
  }

  public static int doPutSmall() {
    for (int i = 0; i < 100; i++) {
      Glint.put(0);
    }
    return 0;
  }

  public static int doPut(int elements) {
    for (int i = 0; i < 10; i++) {
      Glint.put(new long[elements]);
    }
    return 0;
  }

  public static List<ObjectRef<Integer>> createObjectContainingRefs(int n) {
    List<ObjectRef<Integer>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(Glint.put(1));
    }
    return refs;
  }

  /** Ray's {@code Actor}: placed with 0 CPUs. */
  public static final class Actor {
    public byte[] smallValue() {
      return OK;
    }

    public byte[] smallValueArg(int x) {
      return OK;
    }

    public int smallValueBatch(int n) {
      return BenchFns.smallValueBatch(n);
    }
  }

  /** Ray's {@code AsyncActor}: methods return futures. */
  public static final class AsyncActor {
    public CompletableFuture<byte[]> smallValue() {
      return CompletableFuture.completedFuture(OK);
    }

    public CompletableFuture<byte[]> smallValueWithArg(int x) {
      return CompletableFuture.completedFuture(OK);
    }
  }

  /** Ray's {@code Client}: calls a set of servers from inside an actor. */
  public static final class Client {
    private final List<ActorHandle<Actor>> servers;
    private final List<ActorHandle<AsyncActor>> asyncServers;

    public Client(List<ActorHandle<Actor>> servers, List<ActorHandle<AsyncActor>> asyncServers) {
      this.servers = servers;
      this.asyncServers = asyncServers;
    }

    public int smallValueBatch(int n) {
      List<ObjectRef<byte[]>> results = new ArrayList<>();
      for (ActorHandle<Actor> s : servers) {
        for (int i = 0; i < n; i++) {
          results.add(s.task(Actor::smallValue).remote());
        }
      }
      for (ActorHandle<AsyncActor> s : asyncServers) {
        for (int i = 0; i < n; i++) {
          results.add(s.taskAsync(AsyncActor::smallValue).remote());
        }
      }
      Glint.get(results);
      return 0;
    }

    public int smallValueBatchArg(int n) {
      ObjectRef<Integer> x = Glint.put(0);
      List<ObjectRef<byte[]>> results = new ArrayList<>();
      for (ActorHandle<Actor> s : servers) {
        for (int i = 0; i < n; i++) {
          results.add(s.task(Actor::smallValueArg, x).remote());
        }
      }
      Glint.get(results);
      return 0;
    }
  }

  /** Ray's {@code work}: a task calling actors round robin. */
  public static int work(List<ActorHandle<Actor>> actors, int n) {
    List<ObjectRef<byte[]>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(actors.get(i % actors.size()).task(Actor::smallValue).remote());
    }
    Glint.get(refs);
    return 0;
  }

  public static int asyncWork(List<ActorHandle<AsyncActor>> actors, int n) {
    List<ObjectRef<byte[]>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(actors.get(i % actors.size()).taskAsync(AsyncActor::smallValue).remote());
    }
    Glint.get(refs);
    return 0;
  }
}
