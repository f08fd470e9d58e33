package io.glint.it;

import io.glint.api.Glint;
import io.glint.api.ObjectRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Remote functions used by the integration tests; workers load them from the test classes. */
public final class Fns {
  private Fns() {}

  public static int square(int x) {
    return x * x;
  }

  public static Object identity(Object o) {
    return o;
  }

  public static long pid() {
    return ProcessHandle.current().pid();
  }

  public static int add(int a, int b) {
    return a + b;
  }

  public static String concat(String a, String b, String c, String d, String e, String f) {
    return a + b + c + d + e + f;
  }

  public static double sum(double[] data) {
    double s = 0;
    for (double d : data) {
      s += d;
    }
    return s;
  }

  public static int fail(String message) {
    throw new IllegalStateException(message);
  }

  public static int exitProcess(int code) {
    System.exit(code);
    return 0;
  }

  /** Exits the worker the first time (marker absent), succeeds the next. */
  public static String exitOnce(String markerPath) throws IOException {
    Path marker = Path.of(markerPath);
    if (!Files.exists(marker)) {
      Files.createFile(marker);
      System.exit(3);
    }
    return "recovered";
  }

  public static String sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
    return "slept " + millis;
  }

  /**
   * Sleeps, touching {@code markerPath} if it was not interrupted: shows cancellation stopped it.
   */
  public static String sleepThenMark(long millis, String markerPath) throws Exception {
    Thread.sleep(millis);
    Files.createFile(Path.of(markerPath));
    return "finished";
  }

  /** Submits {@code n} nested tasks and waits for them inside a task. */
  public static int nested(int n) {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      refs.add(Glint.task(Fns::square, i).remote());
    }
    int s = 0;
    for (int v : Glint.get(refs)) {
      s += v;
    }
    return s;
  }

  /** Recursion through the cluster: each level waits for the next. */
  public static int depth(int n) {
    if (n == 0) {
      return 0;
    }
    return 1 + Glint.get(Glint.task(Fns::depth, n - 1).remote());
  }

  /** Counts refs inside a list without resolving them. */
  public static String describeList(List<ObjectRef<Integer>> refs) {
    int sum = 0;
    for (ObjectRef<Integer> r : refs) {
      sum += Glint.get(r);
    }
    return refs.size() + " refs summing to " + sum;
  }

  public static ObjectRef<String> makeRef(String value) {
    return Glint.put(value);
  }

  public static String property(String key) {
    return System.getProperty(key, "<unset>");
  }

  public static String resource(String name) throws IOException {
    var url = ClassLoader.getSystemResource(name);
    if (url == null) {
      return "<missing>";
    }
    try (var in = url.openStream()) {
      return new String(in.readAllBytes()).trim();
    }
  }

  public static String runtimeContext() {
    var ctx = Glint.getRuntimeContext();
    return ctx.getJobId() + "|" + ctx.getTaskId().isPresent() + "|" + ctx.isDriver();
  }

  public static List<Integer> gpuIds() {
    return Glint.getRuntimeContext().getGpuIds();
  }

  public static void log(String line) {
    System.out.println(line);
  }
}
