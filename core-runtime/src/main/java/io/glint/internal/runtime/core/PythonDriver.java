package io.glint.internal.runtime.core;

import io.glint.api.Glint;
import io.glint.api.InitOptions;
import io.glint.api.internal.RuntimeRegistry;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.serialization.XlangCodec;
import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java half of a Python driver. Python's {@code glint.init()} creates this JVM inside its own
 * process through the JNI invocation API, calls {@link #boot()} once, and from then on calls the
 * returned entry point (an FFM upcall, which any Python thread may call) for everything: {@code
 * init} starts or joins a cluster with this process's core worker as the driver, and every later
 * request goes to that worker's {@link PythonRuntime}, as a Python task's requests do in a worker.
 * Ownership, reference counting and leasing stay in Java: Python holds refs through handles.
 *
 * <p>A JVM cannot be created twice in one process, so {@code shutdown} leaves the JVM running and a
 * later {@code init} starts a new cluster in it.
 */
public final class PythonDriver {
  private static MemorySegment entry;
  private static volatile PythonRuntime runtime;

  private PythonDriver() {}

  /** The address of the entry point Python calls with every request (see glint._runtime). */
  public static synchronized long boot() {
    if (entry == null) {
      try {
        var target =
            MethodHandles.lookup()
                .findStatic(
                    PythonDriver.class,
                    "call",
                    MethodType.methodType(
                        MemorySegment.class, MemorySegment.class, long.class, MemorySegment.class));
        entry = Linker.nativeLinker().upcallStub(target, PythonRuntime.UPCALL, Arena.global());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return entry.address();
  }

  @SuppressWarnings("unused") // the upcall target
  private static MemorySegment call(MemorySegment request, long length, MemorySegment outLength) {
    byte[] req = request.reinterpret(length).toArray(ValueLayout.JAVA_BYTE);
    PythonRuntime r = runtime;
    return PythonRuntime.toNative(r != null ? r.reply(req) : beforeInit(req), outLength);
  }

  /** Requests while no cluster is joined: only init (and asking whether there is one). */
  private static byte[] beforeInit(byte[] request) {
    XlangCodec plain = new XlangCodec(null, null);
    try {
      Map<?, ?> req = (Map<?, ?>) plain.decode(ByteBuffer.wrap(request));
      String op = String.valueOf(req.get("op"));
      Object ok =
          switch (op) {
            case "init" -> init(req);
            case "is_initialized" -> false;
            case "shutdown" -> null;
            default ->
                throw new io.glint.api.exception.NotInitializedException(
                    "Glint is not initialized: call glint.init() first (asked: " + op + ")");
          };
      Map<String, Object> wrap = new LinkedHashMap<>();
      wrap.put("ok", ok);
      return plain.encode(wrap);
    } catch (Throwable t) {
      return PythonRuntime.errorReply(t, plain);
    }
  }

  /** Driver requests once a cluster is joined (reached through {@link PythonCalls}). */
  static Object handle(String op, Map<?, ?> req) {
    return switch (op) {
      case "init" -> {
        if (Boolean.TRUE.equals(req.get("ignore_reinit_error"))) {
          yield describe();
        }
        throw new IllegalStateException(
            "glint.init() was already called in this process; call glint.shutdown() first, or"
                + " pass ignore_reinit_error=True");
      }
      case "is_initialized" -> runtime != null;
      case "java_static" ->
          StaticCall.call(
              String.valueOf(req.get("class")),
              String.valueOf(req.get("method")),
              (List<?>) req.get("args"));
      case "shutdown" -> {
        shutdown();
        yield null;
      }
      default -> throw new IllegalArgumentException("unknown request " + op);
    };
  }

  private static synchronized Map<String, Object> init(Map<?, ?> req) {
    if (Glint.isInitialized()) {
      throw new IllegalStateException("Glint is already initialized in this process");
    }
    InitOptions.Builder b = InitOptions.builder();
    if (req.get("address") instanceof String a && !a.isBlank() && !a.equals("local")) {
      b.address(a);
    }
    if (req.get("num_cpus") instanceof Number n) {
      b.numCpus(n.doubleValue());
    }
    if (req.get("num_gpus") instanceof Number n) {
      b.numGpus(n.doubleValue());
    }
    if (req.get("resources") instanceof Map<?, ?> m) {
      m.forEach((k, v) -> b.resource(String.valueOf(k), ((Number) v).doubleValue()));
    }
    if (req.get("object_store_memory") instanceof Number n) {
      b.objectStoreMemory(n.longValue());
    }
    if (req.get("namespace") instanceof String ns) {
      b.namespace(ns);
    }
    if (req.get("include_dashboard") instanceof Boolean d) {
      b.includeDashboard(d);
    }
    if (req.get("dashboard_port") instanceof Number n) {
      b.dashboardPort(n.intValue());
    }
    if (req.get("code_search_path") instanceof List<?> code) {
      b.jobCodePath(code.stream().map(String::valueOf).toList());
    }
    if (req.get("log_to_driver") instanceof Boolean l) {
      b.logToDriver(l);
    }
    // Workers embed the driver's interpreter and find the driver's modules where it does.
    if (req.get("python_executable") instanceof String exe) {
      System.setProperty(GlintConfig.PYTHON_EXECUTABLE.property(), exe);
    }
    // Where the driver's modules are: workers on this machine look there (not packaged); a
    // runtime_env's working_dir and py_modules are packaged, for every node.
    System.setProperty(
        io.glint.internal.runtime.DriverRuntime.DRIVER_PYTHON_PATH, paths(req.get("python_path")));
    System.setProperty(GlintConfig.PYTHON_PATH.property(), paths(req.get("py_packages")));
    Glint.init(b.build());
    CoreWorker worker = (CoreWorker) RuntimeRegistry.getOrNull();
    runtime = PythonRuntime.forDriver(worker);
    return describe();
  }

  private static String paths(Object list) {
    return list instanceof List<?> l
        ? String.join(File.pathSeparator, l.stream().map(String::valueOf).toList())
        : "";
  }

  private static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    var c = Glint.getRuntimeContext();
    m.put("job_id", c.getJobId());
    m.put("node_id", c.getNodeId());
    m.put("namespace", c.getNamespace());
    m.put("dashboard_url", Glint.dashboardUrl().orElse(null));
    return m;
  }

  private static synchronized void shutdown() {
    runtime = null;
    Glint.shutdown();
  }
}
