package io.glint.api;

import io.glint.api.exception.GlintException;
import io.glint.api.internal.GlintRuntime;
import io.glint.api.internal.GlintRuntimeProvider;
import io.glint.api.internal.RuntimeRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The entry point of Glint: start or join a cluster, run functions as remote tasks, create actors,
 * store and fetch objects. Names follow Ray's.
 *
 * <pre>{@code
 * public class Fns {
 *   public static int square(int x) { return x * x; }
 * }
 *
 * Glint.init();                                     // embedded local cluster
 * ObjectRef<Integer> ref = Glint.task(Fns::square, 4).remote();
 * System.out.println(Glint.get(ref));               // 16
 * Glint.shutdown();
 * }</pre>
 *
 * <p>{@code task(...)} and {@code actor(...)} come in one overload per arity, each argument a value
 * or an {@link ObjectRef} to one (see {@link GlintCall}).
 */
public final class Glint extends GlintCall {
  private Glint() {}

  /** Starts an embedded local cluster (or joins the one named by {@code GLINT_ADDRESS}). */
  public static void init() {
    init(InitOptions.defaults());
  }

  /** Starts or joins a cluster with {@code options}. Fails if Glint is already initialized. */
  public static synchronized void init(InitOptions options) {
    if (RuntimeRegistry.getOrNull() != null) {
      throw new IllegalStateException(
          "Glint is already initialized in this process; call Glint.shutdown() first");
    }
    GlintRuntimeProvider provider =
        ServiceLoader.load(GlintRuntimeProvider.class, Glint.class.getClassLoader())
            .findFirst()
            .orElseThrow(
                () ->
                    new GlintException(
                        "No Glint runtime on the class path: add the artifact"
                            + " io.glint:glint-core-runtime (runtime scope) next to"
                            + " io.glint:glint-java-sdk"));
    GlintRuntime runtime = provider.start(options);
    try {
      RuntimeRegistry.install(runtime);
    } catch (RuntimeException e) {
      runtime.shutdown();
      throw e;
    }
  }

  /** Whether {@link #init} was called (or this is a worker process). */
  public static boolean isInitialized() {
    return RuntimeRegistry.getOrNull() != null;
  }

  /** Stops the embedded cluster (or leaves the joined one). Does nothing when not initialized. */
  public static synchronized void shutdown() {
    GlintRuntime rt = RuntimeRegistry.getOrNull();
    if (rt != null) {
      try {
        rt.shutdown();
      } finally {
        RuntimeRegistry.uninstall(rt);
      }
    }
  }

  /** Prepares a remote call of a Python function; finish with {@code .remote()}. */
  public static <R> TaskCaller<R> task(PyFunction<R> function, Object... args) {
    return new TaskCaller<>(function, args.clone());
  }

  /** Prepares the creation of a Python actor; finish with {@code .remote()}. */
  public static ActorCreator<PyActorClass> actor(PyActorClass pythonClass, Object... args) {
    return new ActorCreator<>(pythonClass, args.clone());
  }

  /**
   * Stores {@code value} once in the object store; pass the ref to many tasks instead of the value.
   */
  public static <T> ObjectRef<T> put(T value) {
    return runtime().put(value);
  }

  /** Waits for the object and returns its value; throws the task's failure if it failed. */
  public static <T> T get(ObjectRef<T> ref) {
    return runtime().get(ref, -1);
  }

  /**
   * As {@link #get(ObjectRef)}, waiting at most {@code timeoutMs}.
   *
   * @throws io.glint.api.exception.GetTimeoutException when the time passes
   */
  public static <T> T get(ObjectRef<T> ref, long timeoutMs) {
    checkTimeout(timeoutMs);
    return runtime().get(ref, timeoutMs);
  }

  /** Waits for all objects and returns their values in order. */
  public static <T> List<T> get(List<? extends ObjectRef<? extends T>> refs) {
    return runtime().get(refs, -1);
  }

  /** As {@link #get(List)}, waiting at most {@code timeoutMs} in all. */
  public static <T> List<T> get(List<? extends ObjectRef<? extends T>> refs, long timeoutMs) {
    checkTimeout(timeoutMs);
    return runtime().get(refs, timeoutMs);
  }

  /** Waits until all refs are ready. */
  public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs) {
    return wait(refs, refs.size());
  }

  /** Waits until {@code numReturns} refs are ready. */
  public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns) {
    checkNumReturns(refs, numReturns);
    return runtime().wait(refs, numReturns, -1);
  }

  /**
   * Waits until {@code numReturns} refs are ready or {@code timeoutMs} passed, whichever is first;
   * never throws on timeout. Ready refs are the first {@code numReturns} found, in input order.
   */
  public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, long timeoutMs) {
    checkNumReturns(refs, numReturns);
    checkTimeout(timeoutMs);
    return runtime().wait(refs, numReturns, timeoutMs);
  }

  /** Cancels the task behind {@code ref}: a pending task is dropped, a running one interrupted. */
  public static void cancel(ObjectRef<?> ref) {
    runtime().cancel(ref, false);
  }

  /** As {@link #cancel(ObjectRef)}; with {@code force} the worker running the task is killed. */
  public static void cancel(ObjectRef<?> ref, boolean force) {
    runtime().cancel(ref, force);
  }

  /** Kills an actor without restarting it; pending and later calls fail with ActorDiedFailure. */
  public static void kill(ActorHandle<?> actor) {
    runtime().kill(actor, true);
  }

  /** Kills an actor; with {@code noRestart = false} it may be restarted per its maxRestarts. */
  public static void kill(ActorHandle<?> actor, boolean noRestart) {
    runtime().kill(actor, noRestart);
  }

  /** Finds an actor by the name it was created with, in the job's namespace. */
  public static <A> Optional<ActorHandle<A>> getActor(String name) {
    return runtime().getActor(name, null);
  }

  /** Finds an actor by name in {@code namespace}. */
  public static <A> Optional<ActorHandle<A>> getActor(String name, String namespace) {
    return runtime().getActor(name, namespace);
  }

  /** The resources of all live nodes together, e.g. {@code {CPU=8.0, GPU=1.0, memory=...}}. */
  /** The cluster's nodes, alive and dead (Ray's {@code ray.nodes()}). */
  public static List<NodeInfo> nodes() {
    return runtime().nodes();
  }

  public static Map<String, Double> clusterResources() {
    return runtime().clusterResources();
  }

  /** The resources not held by any task or actor right now. */
  public static Map<String, Double> availableResources() {
    return runtime().availableResources();
  }

  /** Each node's object store: capacity, use, spilling, and every stored object. */
  public static List<ObjectStoreStats> objectStoreStats() {
    return runtime().objectStoreStats();
  }

  /**
   * The cluster's dashboard (Ray's {@code dashboard_url}), {@code http://host:port}, when it runs
   * one: the embedded cluster of {@link #init()} does unless told not to, and {@code glint start
   * --head} does. It needs the cluster's token (see the dashboard module's README).
   *
   * <pre>{@code
   * Glint.dashboardUrl().ifPresent(url -> System.out.println("dashboard: " + url));
   * }</pre>
   */
  public static Optional<String> dashboardUrl() {
    return runtime().dashboardUrl();
  }

  /** Where the calling code runs: job, node, task, actor. */
  public static RuntimeContext getRuntimeContext() {
    return runtime().runtimeContext();
  }

  static GlintRuntime runtime() {
    return RuntimeRegistry.get();
  }

  private static void checkTimeout(long timeoutMs) {
    if (timeoutMs < 0) {
      throw new IllegalArgumentException("timeoutMs must be >= 0, got " + timeoutMs);
    }
  }

  private static void checkNumReturns(List<?> refs, int numReturns) {
    if (numReturns < 0 || numReturns > refs.size()) {
      throw new IllegalArgumentException(
          "numReturns must be between 0 and the number of refs ("
              + refs.size()
              + "), got "
              + numReturns);
    }
  }
}
