package io.glint.benchmarks;

import io.glint.api.ActorHandle;
import io.glint.api.Glint;
import io.glint.api.InitOptions;
import io.glint.api.ObjectRef;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The workloads of Ray's {@code ray microbenchmark}, with its metric names and its measurement: a 1
 * s warm-up, then 4 runs of 2 s, each printing {@code <name> per second <mean> +- <stdev>} over the
 * runs. Run it with {@code ./glint microbenchmark}.
 *
 * <p>{@code TESTS_TO_RUN} / {@code TESTS_TO_SKIP} (substrings of metric names) select tests as in
 * Ray. {@link Scale#TINY} runs every workload once at a tiny size (for CI, so none rots).
 */
public final class Microbenchmark {
  /** How long and how large. */
  public enum Scale {
    /** Ray's sizes and timings. */
    FULL(1.0, 2.0, 4, 1.0),
    /** Every workload at a tiny size, for CI. */
    TINY(0.05, 0.1, 2, 0.01);

    final double warmupSec;
    final double runSec;
    final int runs;
    final double sizeFactor;

    Scale(double warmupSec, double runSec, int runs, double sizeFactor) {
      this.warmupSec = warmupSec;
      this.runSec = runSec;
      this.runs = runs;
      this.sizeFactor = sizeFactor;
    }
  }

  /** One measured metric. */
  public record Result(String name, double mean, double stdev) {
    public String line() {
      if (name.startsWith("driver heap MiB")) { // a size, not a rate
        return String.format(Locale.ROOT, "%s %.1f", name, mean);
      }
      return String.format(Locale.ROOT, "%s per second %.2f +- %.2f", name, mean, stdev);
    }
  }

  /** Every metric this benchmark can print, in order (for selection and error messages). */
  public static final List<String> METRICS =
      List.of(
          "single client get calls (in-process small object)",
          "single client put calls (in-process small object)",
          "multi client put calls (in-process small objects)",
          "single client get calls (shared small object)",
          "single client put calls 1 MiB (store)",
          "single client get calls 1 MiB (store)",
          "single client put gigabytes",
          "arrow get gigabytes",
          "single client tasks and get batch",
          "multi client put gigabytes",
          "single client get object containing 10k refs",
          "single client wait 1k refs",
          "single client tasks sync",
          "single client tasks async",
          "actor creation",
          "nested tasks",
          "multi client tasks async",
          "1:1 actor calls sync",
          "1:1 actor calls async",
          "1:1 actor calls concurrent",
          "1:n actor calls async",
          "n:n actor calls async",
          "n:n actor calls with arg async",
          "1:1 async-actor calls sync",
          "1:1 async-actor calls async",
          "1:1 async-actor calls with args async",
          "1:n async-actor calls async",
          "n:n async-actor calls async",
          "placement group create/removal",
          "driver heap MiB (a million tiny tasks)",
          "1M tiny tasks",
          "python task round trip",
          "python actor calls async",
          "python arrow task gigabytes");

  /** Ray metrics with no Glint counterpart yet, printed as not measured. */
  public static final List<String> NOT_MEASURED =
      List.of(
          "single client object out-of-scope callback registration",
          "object out-of-scope callback fire 1k batch");

  private final Scale scale;
  private final Predicate<String> selected;
  private final PrintStream out;
  private final List<Result> results = new ArrayList<>();

  public Microbenchmark(Scale scale, Predicate<String> selected, PrintStream out) {
    this.scale = scale;
    this.selected = selected;
    this.out = out;
  }

  /** The selection Ray uses: TESTS_TO_RUN and TESTS_TO_SKIP from the environment. */
  public static Predicate<String> fromEnvironment() {
    String run = System.getenv().getOrDefault("TESTS_TO_RUN", "");
    String skip = System.getenv().getOrDefault("TESTS_TO_SKIP", "");
    return name ->
        (run.isEmpty() || name.contains(run)) && (skip.isEmpty() || !name.contains(skip));
  }

  public static void main(String[] args) {
    Scale scale = args.length > 0 && args[0].equalsIgnoreCase("tiny") ? Scale.TINY : Scale.FULL;
    new Microbenchmark(scale, fromEnvironment(), System.out).run(InitOptions.defaults());
  }

  /** Starts an embedded cluster with {@code init}, runs everything selected, shuts down. */
  public List<Result> run(InitOptions init) {
    Glint.init(init);
    try {
      runAll();
      tinyTasks(sized(1_000_000)); // after runAll, whose large arrays are unreachable by now
      try {
        runPython();
      } catch (RuntimeException e) {
        out.println(
            "python metrics: not measured (" + e.getMessage().lines().findFirst().orElse("") + ")");
      }
    } finally {
      Glint.shutdown();
    }
    for (String n : NOT_MEASURED) {
      if (selected.test(n)) {
        out.println(n + ": not measured yet (the feature does not exist in Glint yet)");
      }
    }
    return results;
  }

  private int sized(int n) {
    return Math.max(1, (int) (n * scale.sizeFactor));
  }

  @SuppressWarnings("unchecked")
  private void runAll() {
    int nCpu = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    ObjectRef<Integer> value = Glint.put(0);

    // Ray's "(Plasma Store)" rows put and get a small int through its shared-memory store. A
    // small Glint object never goes to the store: it lives in its owner's memory (as Ray keeps
    // small task results), so those figures are Glint's own rows, named for what they measure.
    timeit("single client get calls (in-process small object)", () -> Glint.get(value), 1);
    timeit("single client put calls (in-process small object)", () -> Glint.put(0), 1);
    timeit(
        "multi client put calls (in-process small objects)",
        () -> Glint.get(repeat(10, () -> Glint.task(BenchFns::doPutSmall).remote())),
        1000);
    // The same small object once another process has it: the owner's object table.
    ObjectRef<Integer> shared = Glint.put(0);
    Glint.get(Glint.task(BenchFns::countRefs, List.of(shared)).remote());
    timeit("single client get calls (shared small object)", () -> Glint.get(shared), 1);
    // 1 MiB: through the node's shared-memory store, as every object over 100 KiB.
    byte[] mib = new byte[1 << 20];
    timeit("single client put calls 1 MiB (store)", () -> Glint.put(mib), 1);
    ObjectRef<byte[]> stored = Glint.put(mib);
    timeit("single client get calls 1 MiB (store)", () -> Glint.get(stored), 1);

    long[] arr = new long[selected.test("single client put gigabytes") ? sized(100 << 20) : 0];
    double arrGb = arr.length * 8.0 / 1e9;
    timeit("single client put gigabytes", () -> Glint.put(arr), arrGb);
    arrowGet();

    timeit(
        "single client tasks and get batch",
        () -> Glint.get(repeat(sized(1000), () -> Glint.task(BenchFns::smallValue).remote())),
        1);

    int putElements = sized(10 * 1024 * 1024);
    timeit(
        "multi client put gigabytes",
        () -> Glint.get(repeat(10, () -> Glint.task(BenchFns::doPut, putElements).remote())),
        10 * 10 * putElements * 8.0 / 1e9);

    ObjectRef<List<ObjectRef<Integer>>> containing =
        Glint.task(BenchFns::createObjectContainingRefs, sized(10_000)).remote();
    Glint.get(containing);
    timeit("single client get object containing 10k refs", () -> Glint.get(containing), 1);

    int numObjs = sized(1000);
    timeit(
        "single client wait 1k refs",
        () -> {
          List<ObjectRef<byte[]>> notReady =
              repeat(numObjs, () -> Glint.task(BenchFns::smallValue).remote());
          for (int i = 0; i < numObjs; i++) {
            notReady = Glint.wait(notReady, 1).getUnready();
          }
        },
        1);

    timeit(
        "single client tasks sync", () -> Glint.get(Glint.task(BenchFns::smallValue).remote()), 1);
    int batch = sized(1000);
    timeit(
        "single client tasks async",
        () -> Glint.get(repeat(batch, () -> Glint.task(BenchFns::smallValue).remote())),
        batch);

    // The cold paths a user meets first (issue 21): fresh actors each answering one call, and
    // parents that each call two 5 ms children in turn. Ray's twins:
    // benchmarks/compare-with-ray.py.
    int actorsPerRound = Math.max(2, sized(20));
    timeit(
        "actor creation",
        () -> {
          List<ActorHandle<BenchFns.Actor>> fresh = repeat(actorsPerRound, this::zeroCpuActor);
          Glint.get(fresh.stream().map(a -> a.task(BenchFns.Actor::smallValue).remote()).toList());
          fresh.forEach(ActorHandle::kill);
        },
        actorsPerRound);
    int parents = Math.max(2, sized(100));
    timeit(
        "nested tasks",
        () -> Glint.get(repeat(parents, () -> Glint.task(BenchFns::nestedParent).remote())),
        parents);

    int n = sized(10_000);
    int m = 4;
    if (anySelected("multi client tasks async")) {
      List<ActorHandle<BenchFns.Actor>> actors = repeat(m, this::zeroCpuActor);
      timeit(
          "multi client tasks async",
          () ->
              Glint.get(
                  actors.stream()
                      .map(a -> a.task(BenchFns.Actor::smallValueBatch, n).remote())
                      .toList()),
          n * m);
      actors.forEach(ActorHandle::kill);
    }

    if (anySelected("1:1 actor calls")) {
      ActorHandle<BenchFns.Actor> a = zeroCpuActor();
      timeit(
          "1:1 actor calls sync", () -> Glint.get(a.task(BenchFns.Actor::smallValue).remote()), 1);
      timeit(
          "1:1 actor calls async",
          () -> Glint.get(repeat(batch, () -> a.task(BenchFns.Actor::smallValue).remote())),
          batch);
      ActorHandle<BenchFns.Actor> c =
          Glint.actor(BenchFns.Actor::new).setResource("CPU", 0).setMaxConcurrency(16).remote();
      timeit(
          "1:1 actor calls concurrent",
          () -> Glint.get(repeat(batch, () -> c.task(BenchFns.Actor::smallValue).remote())),
          batch);
      a.kill();
      c.kill();
    }

    int n5 = sized(5000);
    if (anySelected("1:n actor calls async")) {
      List<ActorHandle<BenchFns.Actor>> actors = repeat(nCpu, this::zeroCpuActor);
      ActorHandle<BenchFns.Client> client =
          Glint.actor(BenchFns.Client::new, actors, List.<ActorHandle<BenchFns.AsyncActor>>of())
              .setResource("CPU", 0)
              .remote();
      timeit(
          "1:n actor calls async",
          () -> Glint.get(client.task(BenchFns.Client::smallValueBatch, n5).remote()),
          n5 * actors.size());
      actors.forEach(ActorHandle::kill);
      client.kill();
    }

    if (anySelected("n:n actor calls async")) {
      List<ActorHandle<BenchFns.Actor>> actors = repeat(nCpu, this::zeroCpuActor);
      timeit(
          "n:n actor calls async",
          () -> Glint.get(repeat(m, () -> Glint.task(BenchFns::work, actors, n5).remote())),
          m * n5);
      actors.forEach(ActorHandle::kill);
    }

    int n1k = sized(1000);
    if (anySelected("n:n actor calls with arg async")) {
      List<ActorHandle<BenchFns.Client>> clients = new ArrayList<>();
      List<ActorHandle<BenchFns.Actor>> servers = repeat(nCpu, this::zeroCpuActor);
      for (ActorHandle<BenchFns.Actor> s : servers) {
        clients.add(
            Glint.actor(
                    BenchFns.Client::new, List.of(s), List.<ActorHandle<BenchFns.AsyncActor>>of())
                .setResource("CPU", 0)
                .remote());
      }
      timeit(
          "n:n actor calls with arg async",
          () ->
              Glint.get(
                  clients.stream()
                      .map(c -> c.task(BenchFns.Client::smallValueBatchArg, n1k).remote())
                      .toList()),
          n1k * clients.size());
      servers.forEach(ActorHandle::kill);
      clients.forEach(ActorHandle::kill);
    }

    if (anySelected("1:1 async-actor calls")) {
      ActorHandle<BenchFns.AsyncActor> a = Glint.actor(BenchFns.AsyncActor::new).remote();
      timeit(
          "1:1 async-actor calls sync",
          () -> Glint.get(a.taskAsync(BenchFns.AsyncActor::smallValue).remote()),
          1);
      timeit(
          "1:1 async-actor calls async",
          () ->
              Glint.get(repeat(batch, () -> a.taskAsync(BenchFns.AsyncActor::smallValue).remote())),
          batch);
      timeit(
          "1:1 async-actor calls with args async",
          () -> {
            List<ObjectRef<byte[]>> refs = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
              refs.add(a.taskAsync(BenchFns.AsyncActor::smallValueWithArg, i).remote());
            }
            Glint.get(refs);
          },
          batch);
      a.kill();
    }

    if (anySelected("1:n async-actor calls async")) {
      List<ActorHandle<BenchFns.AsyncActor>> actors =
          repeat(nCpu, () -> Glint.actor(BenchFns.AsyncActor::new).remote());
      ActorHandle<BenchFns.Client> client =
          Glint.actor(BenchFns.Client::new, List.<ActorHandle<BenchFns.Actor>>of(), actors)
              .setResource("CPU", 0)
              .remote();
      timeit(
          "1:n async-actor calls async",
          () -> Glint.get(client.task(BenchFns.Client::smallValueBatch, n5).remote()),
          n5 * actors.size());
      actors.forEach(ActorHandle::kill);
      client.kill();
    }

    if (anySelected("n:n async-actor calls async")) {
      List<ActorHandle<BenchFns.AsyncActor>> actors =
          repeat(nCpu, () -> Glint.actor(BenchFns.AsyncActor::new).remote());
      timeit(
          "n:n async-actor calls async",
          () -> Glint.get(repeat(m, () -> Glint.task(BenchFns::asyncWork, actors, n5).remote())),
          m * n5);
      actors.forEach(ActorHandle::kill);
    }

    // Ray's: 100 groups of one tiny bundle, each waited for, then all removed.
    int numPgs = sized(100);
    String bundleResource = Glint.clusterResources().containsKey("custom") ? "custom" : "CPU";
    timeit(
        "placement group create/removal",
        () -> {
          List<io.glint.api.PlacementGroup> pgs = new ArrayList<>();
          for (int i = 0; i < numPgs; i++) {
            pgs.add(
                io.glint.api.PlacementGroups.createPlacementGroup(
                    List.of(java.util.Map.of(bundleResource, 0.001)),
                    io.glint.api.PlacementStrategy.PACK));
          }
          for (io.glint.api.PlacementGroup pg : pgs) {
            pg.wait(30);
          }
          pgs.forEach(io.glint.api.PlacementGroups::removePlacementGroup);
        },
        numPgs);
  }

  /**
   * The seed's pitfall at full size (issue 21): a million tiny tasks submitted at once, then all
   * read. Prints the rate over whole runs (submit to last value), then the driver's heap they take:
   * what is reachable, after a full collection, at the two high points (every task submitted; every
   * value read while the refs are still held), less what was before.
   */
  private void tinyTasks(int n) {
    String rate = "1M tiny tasks";
    String heap = "driver heap MiB (a million tiny tasks)";
    if (selected.test(heap)) {
      record(heap, new double[] {tinyTaskRun(n, true) / (1024.0 * 1024.0)});
    }
    if (selected.test(rate)) {
      tinyTaskRun(Math.max(1, n / 10), false); // warm-up
      double[] stats = new double[Math.min(2, scale.runs)];
      for (int r = 0; r < stats.length; r++) {
        long start = System.nanoTime();
        tinyTaskRun(n, false);
        stats[r] = n / ((System.nanoTime() - start) / 1e9);
      }
      record(rate, stats);
    }
  }

  /** Submits {@code n} tiny tasks, reads every value; the reachable heap's high point if asked. */
  private long tinyTaskRun(int n, boolean measureHeap) {
    long before = measureHeap ? reachableHeap() : 0;
    List<ObjectRef<Integer>> refs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      refs.add(Glint.task(BenchFns::tiny, i).remote());
    }
    long high = measureHeap ? reachableHeap() : 0;
    List<Integer> values = Glint.get(refs);
    if (values.size() != n || values.get(n - 1) != n - 1) {
      throw new IllegalStateException("tiny tasks returned wrong values");
    }
    return measureHeap ? Math.max(high, reachableHeap()) - before : 0;
  }

  /**
   * The heap still in use after full collections, repeated until it stops shrinking: refs dropped
   * by the program free their objects only after the collector found them and the runtime's cleaner
   * ran, so one collection leaves them counted.
   */
  private static long reachableHeap() {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      long now = rt.totalMemory() - rt.freeMemory();
      if (now > used - used / 100) {
        return Math.min(now, used);
      }
      used = now;
    }
    return used;
  }

  /** Glint's own metrics: Python tasks and actors (Ray measures these in Python only). */
  private void runPython() {
    if (anySelected("python")) {
      var add = io.glint.api.PyFunction.of("operator", "add", Long.class);
      timeit("python task round trip", () -> Glint.get(Glint.task(add, 1, 2).remote()), 1);
      var counter =
          Glint.actor(io.glint.api.PyActorClass.of("collections", "Counter"))
              .setResource("CPU", 0)
              .remote();
      var total = io.glint.api.PyActorMethod.of("total", Long.class);
      int batch = sized(1000);
      timeit(
          "python actor calls async",
          () -> Glint.get(repeat(batch, () -> counter.task(total).remote())),
          batch);
      counter.kill();
    }
    if (selected.test("python arrow task gigabytes")) {
      // A stored table handed to a Python task (len() reads its row count): the hand-off maps
      // the object and exports it through the C Data Interface, so no byte of it is copied.
      try (var alloc = new org.apache.arrow.memory.RootAllocator();
          var table = arrowTable(alloc, sized(100 * 1024 * 1024 / 8))) {
        ObjectRef<org.apache.arrow.vector.VectorSchemaRoot> ref = Glint.put(table);
        var len = io.glint.api.PyFunction.of("builtins", "len", Long.class);
        timeit(
            "python arrow task gigabytes",
            () -> Glint.get(Glint.task(len, ref).remote()),
            table.getRowCount() * 8.0 / 1e9);
      }
    }
  }

  /** Gets of a stored Arrow table: the vectors are loaded over the store's mapping. */
  private void arrowGet() {
    if (!selected.test("arrow get gigabytes")) {
      return;
    }
    try (var alloc = new org.apache.arrow.memory.RootAllocator();
        var table = arrowTable(alloc, sized(100 * 1024 * 1024 / 8))) {
      ObjectRef<org.apache.arrow.vector.VectorSchemaRoot> ref = Glint.put(table);
      timeit(
          "arrow get gigabytes",
          () -> {
            try (var got = Glint.get(ref)) {
              if (got.getRowCount() != table.getRowCount()) {
                throw new IllegalStateException("wrong row count " + got.getRowCount());
              }
            }
          },
          table.getRowCount() * 8.0 / 1e9);
    }
  }

  private static org.apache.arrow.vector.VectorSchemaRoot arrowTable(
      org.apache.arrow.memory.BufferAllocator alloc, int rows) {
    var x = new org.apache.arrow.vector.Float8Vector("x", alloc);
    x.allocateNew(rows);
    for (int i = 0; i < rows; i++) {
      x.set(i, i);
    }
    x.setValueCount(rows);
    return org.apache.arrow.vector.VectorSchemaRoot.of(x);
  }

  private ActorHandle<BenchFns.Actor> zeroCpuActor() {
    return Glint.actor(BenchFns.Actor::new).setResource("CPU", 0).remote();
  }

  private boolean anySelected(String prefix) {
    return selected.test(prefix)
        || List.of(
                " sync",
                " async",
                " concurrent",
                " with args async",
                " task round trip",
                " actor calls async")
            .stream()
            .anyMatch(s -> selected.test(prefix + s));
  }

  private static <T> List<T> repeat(int n, java.util.function.Supplier<T> s) {
    List<T> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(s.get());
    }
    return out;
  }

  /** Ray's timeit: warm up, then {@code runs} timed runs; rate = multiplier * calls / second. */
  void timeit(String name, Runnable fn, double multiplier) {
    if (!selected.test(name)) {
      return;
    }
    long start = System.nanoTime();
    long count = 0;
    while (System.nanoTime() - start < scale.warmupSec * 1e9) {
      fn.run();
      count++;
    }
    long step = count / 10 + 1;
    double[] stats = new double[scale.runs];
    for (int r = 0; r < scale.runs; r++) {
      start = System.nanoTime();
      count = 0;
      while (System.nanoTime() - start < scale.runSec * 1e9) {
        for (long i = 0; i < step; i++) {
          fn.run();
        }
        count += step;
      }
      double secs = (System.nanoTime() - start) / 1e9;
      stats[r] = multiplier * count / secs;
    }
    record(name, stats);
  }

  private void record(String name, double[] stats) {
    double mean = 0;
    for (double s : stats) {
      mean += s;
    }
    mean /= stats.length;
    double var = 0;
    for (double s : stats) {
      var += (s - mean) * (s - mean);
    }
    Result res = new Result(name, mean, Math.sqrt(var / stats.length));
    results.add(res);
    out.println(res.line());
    out.flush();
  }
}
