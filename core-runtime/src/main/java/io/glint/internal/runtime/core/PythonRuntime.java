package io.glint.internal.runtime.core;

import io.glint.api.ActorHandle;
import io.glint.api.ActorOptions;
import io.glint.api.CallOptions;
import io.glint.api.ObjectRef;
import io.glint.internal.python.EmbeddedPython;
import io.glint.internal.runtime.common.Failures;
import io.glint.internal.runtime.common.GlintConfig;
import io.glint.internal.runtime.serialization.ArrowCodec;
import io.glint.internal.runtime.serialization.XlangCodec;
import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded interpreter of a worker process, and the way back: Python code running in it calls
 * {@code glint.get/put/wait} and {@code glint.cross_language} through an FFM upcall into this
 * process's core worker. Requests and replies are XLANG maps.
 */
final class PythonRuntime {
  private static PythonRuntime instance;

  private final CoreWorker worker;
  private final EmbeddedPython python;
  private final PythonCalls calls;

  @SuppressWarnings("unused") // keeps the upcall stub's arena reachable
  private final MemorySegment upcall;

  private PythonRuntime(CoreWorker worker, EmbeddedPython python, boolean connect) {
    this.worker = worker;
    this.python = python;
    this.calls = new PythonCalls(worker);
    if (!connect) {
      this.upcall = null;
      return;
    }
    try {
      MethodHandle target =
          MethodHandles.lookup()
              .findVirtual(
                  PythonRuntime.class,
                  "upcall",
                  MethodType.methodType(
                      MemorySegment.class, MemorySegment.class, long.class, MemorySegment.class))
              .bindTo(this);
      this.upcall = Linker.nativeLinker().upcallStub(target, UPCALL, Arena.global());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    byte[] r = python.setup(upcall.address());
    if (r[0] != 0) {
      throw new IllegalStateException("Cannot connect Python to the Java runtime");
    }
  }

  /** The C signature of Python's calls into Java: (request, length, out length) -> reply. */
  static final FunctionDescriptor UPCALL =
      FunctionDescriptor.of(
          ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);

  /**
   * malloc, looked up on first use: a plain Java driver touches this class (onPath) and must not
   * call a restricted FFM method (the JDK would warn).
   */
  private static final class Native {
    static final MethodHandle MALLOC =
        Linker.nativeLinker()
            .downcallHandle(
                Linker.nativeLinker().defaultLookup().find("malloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
  }

  private static EmbeddedPython startInterpreter() {
    List<Path> path = new ArrayList<>();
    String pp = System.getProperty(GlintConfig.PYTHON_PATH.property(), "");
    for (String e : pp.split(File.pathSeparator)) {
      if (!e.isBlank()) {
        path.add(Path.of(e));
      }
    }
    return EmbeddedPython.start(EmbeddedPython.locate(executable()), path);
  }

  /**
   * The runtime of a Python driver: the interpreter hosts this JVM and calls in through {@link
   * PythonDriver}'s entry point. Replaces the previous driver's runtime (after a shutdown).
   */
  static synchronized PythonRuntime forDriver(CoreWorker worker) {
    instance = new PythonRuntime(worker, EmbeddedPython.attach(executable()), false);
    return instance;
  }

  /** The process's Python runtime, started on first use. */
  static synchronized PythonRuntime get(CoreWorker worker) {
    if (instance == null) {
      instance = new PythonRuntime(worker, startInterpreter(), true);
    }
    return instance;
  }

  EmbeddedPython python() {
    return python;
  }

  private volatile Boolean pyarrow;

  /**
   * Whether the interpreter has pyarrow: then numeric arrays reach Python as numpy arrays through
   * the Arrow C Data Interface (no copy); without it they arrive as lists.
   */
  boolean hasPyarrow() {
    Boolean has = pyarrow;
    if (has == null) {
      byte[] r = python.call("glint._values", "has_pyarrow", List.of());
      has =
          r[0] == 0
              && Boolean.TRUE.equals(worker.xlang().decode(ByteBuffer.wrap(r, 1, r.length - 1)));
      pyarrow = has;
    }
    return has;
  }

  private static Path executable() {
    String exe = System.getProperty(GlintConfig.PYTHON_EXECUTABLE.property());
    if (exe == null || exe.isBlank()) {
      exe = System.getenv().getOrDefault(GlintConfig.PYTHON_EXECUTABLE.env(), "python3");
    }
    return onPath(exe);
  }

  /** {@code name} resolved against PATH (an active virtual environment comes first there). */
  static Path onPath(String name) {
    Path p = Path.of(name);
    if (p.isAbsolute() || name.contains(File.separator)) {
      return p.toAbsolutePath();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path c = Path.of(dir, name);
      if (Files.isExecutable(c)) {
        return c.toAbsolutePath();
      }
    }
    return p;
  }

  /**
   * What glint.get handed to Python through the C Data Interface, per thread: Python imports it
   * while it reads the reply, in the thread that asked, so it is released at that thread's next
   * call into Java or when its task ends.
   */
  private final ThreadLocal<ArrayList<AutoCloseable>> handedOver =
      ThreadLocal.withInitial(ArrayList::new);

  /**
   * A value asked for by Python's glint.get, as Python's task arguments cross: an Arrow table or
   * numeric data exported through the C Data Interface over the store's mapping, no copy (a
   * pyarrow.Table, a read-only numpy array), a Java matrix as a two-dimensional numpy array (one
   * copy), anything else as itself (encoded as XLANG).
   */
  private Object forPython(ObjectRef<?> ref, long timeoutMs) {
    var format = worker.storedFormat(ref, timeoutMs);
    if (format == io.glint.internal.proto.ValueFormat.VALUE_FORMAT_ARROW) {
      var root = (org.apache.arrow.vector.VectorSchemaRoot) worker.get(ref, timeoutMs);
      return handOver(TaskExecutor.ARROW_TABLE_EXT, root, worker.codec().arrow().exportToC(root));
    }
    if (format == io.glint.internal.proto.ValueFormat.VALUE_FORMAT_BUFFER && hasPyarrow()) {
      var vector = worker.numericVector(ref, timeoutMs);
      if (vector != null) {
        return handOver(
            TaskExecutor.NUMPY_ARRAY_EXT, vector, worker.codec().arrow().exportToC(vector));
      }
    }
    Object value = worker.get(ref, timeoutMs);
    var matrix = hasPyarrow() ? worker.codec().arrow().matrixOf(value) : null;
    if (matrix != null) {
      return handOver(
          TaskExecutor.NUMPY_MATRIX_EXT, matrix, worker.codec().arrow().exportToC(matrix));
    }
    return value;
  }

  /** The reply value of a C Data hand-off; {@code data} and the export stay until released. */
  private XlangCodec.Ext handOver(byte type, AutoCloseable data, ArrowCodec.Exported e) {
    handedOver.get().add(e);
    handedOver.get().add(data);
    return new XlangCodec.Ext(type, TaskExecutor.cDataAddresses(e));
  }

  /**
   * Releases the Java side of hand-offs: Python imported them when it read the reply (it owns the
   * data now and releases it when done); what it did not import is released here.
   */
  void closeHandedOver() {
    ArrayList<AutoCloseable> mine = handedOver.get();
    for (AutoCloseable c : mine) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    mine.clear();
  }

  /**
   * Refs this process's Python code holds, by handle. A ref Java hands to Python in a reply
   * (glint.put's result, a Java task's, one inside a value glint.get read) is kept here, not
   * escaped for the job's life: Python's ObjectRef releases its handle when it is collected, and
   * the object is freed once nothing else holds it.
   */
  private final java.util.concurrent.ConcurrentHashMap<Long, ObjectRef<?>> pythonRefs =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Process-wide: a handle of an earlier driver session never names a ref of a later one. */
  private static final java.util.concurrent.atomic.AtomicLong nextHandle =
      new java.util.concurrent.atomic.AtomicLong();

  /** MessagePack extension of a ref held through a handle (see glint._values). */
  static final byte HELD_REF_EXT = 4;

  private final XlangCodec toPython = new XlangCodec(null, this::heldRef);

  private XlangCodec.Ext heldRef(ObjectRef<?> ref) {
    long handle = nextHandle.incrementAndGet();
    pythonRefs.put(handle, ref);
    byte[] reference = worker.toReference(ref).toByteArray();
    ByteBuffer b =
        ByteBuffer.allocate(8 + reference.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putLong(handle).put(reference);
    return new XlangCodec.Ext(HELD_REF_EXT, b.array());
  }

  /** Encodes values for Python: refs inside them as handles (see {@link #heldRef}). */
  XlangCodec toPython() {
    return toPython;
  }

  /** Python let go of these handles. */
  void release(List<?> handles) {
    for (Object h : handles) {
      pythonRefs.remove(((Number) h).longValue());
    }
  }

  /** Handles Python released since it last called in (after a task: nothing else asks). */
  void collectReleased() {
    if (pythonRefs.isEmpty()) {
      return;
    }
    byte[] r = python.call("glint._values", "take_released", List.of());
    if (r[0] == 0
        && worker.xlang().decode(ByteBuffer.wrap(r, 1, r.length - 1)) instanceof List<?> l) {
      release(l);
    }
  }

  /** Entry point of Python's calls into Java. Never throws: failures travel back as data. */
  @SuppressWarnings("unused")
  private MemorySegment upcall(MemorySegment request, long length, MemorySegment outLength) {
    return toNative(reply(request.reinterpret(length).toArray(ValueLayout.JAVA_BYTE)), outLength);
  }

  /** The reply to one request from Python: {@code {"ok": value}} or {@code {"error": ...}}. */
  byte[] reply(byte[] request) {
    try {
      closeHandedOver(); // this thread has read its previous reply
      Map<?, ?> req = (Map<?, ?>) worker.xlang().decode(ByteBuffer.wrap(request));
      if (req.get("released") instanceof List<?> released) {
        release(released);
      }
      Map<String, Object> ok = new LinkedHashMap<>();
      ok.put("ok", handle(req));
      return toPython.encode(ok);
    } catch (Throwable t) {
      return errorReply(t, worker.xlang());
    }
  }

  /**
   * A failure as Python's {@code glint.exceptions} rebuild it: the remote type, message and
   * traceback, and {@code kind}, the Java failure's class (which exception Python raises).
   */
  static byte[] errorReply(Throwable t, XlangCodec codec) {
    Map<String, Object> err = new LinkedHashMap<>();
    String type = t.getClass().getName();
    String message = t.getMessage() == null ? "" : t.getMessage();
    String traceback = Failures.stackTrace(t);
    if (t instanceof io.glint.api.exception.RemoteFailure rf) {
      type = rf.type();
      message = rf.remoteMessage();
      traceback = rf.remoteStackTrace();
      err.put("language", rf.originLanguage().name());
      err.put(
          "summary", t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse(""));
    }
    err.put("kind", t.getClass().getSimpleName());
    err.put("type", type);
    err.put("message", message);
    err.put("traceback", traceback);
    Map<String, Object> wrap = new LinkedHashMap<>();
    wrap.put("error", err);
    return codec.encode(wrap);
  }

  /** Copies a reply into malloc'ed memory, which Python frees once it read it. */
  static MemorySegment toNative(byte[] reply, MemorySegment outLength) {
    try {
      MemorySegment buf =
          ((MemorySegment) Native.MALLOC.invokeExact((long) Math.max(1, reply.length)))
              .reinterpret(reply.length);
      MemorySegment.copy(reply, 0, buf, ValueLayout.JAVA_BYTE, 0, reply.length);
      outLength.reinterpret(8).set(ValueLayout.JAVA_LONG, 0, reply.length);
      return buf;
    } catch (Throwable t) {
      outLength.reinterpret(8).set(ValueLayout.JAVA_LONG, 0, 0);
      return MemorySegment.NULL;
    }
  }

  private Object handle(Map<?, ?> req) {
    String op = (String) req.get("op");
    return switch (op) {
      case "get" -> {
        long timeout = ((Number) req.get("timeout_ms")).longValue();
        ObjectRef<?> ref = (ObjectRef<?>) req.get("ref");
        yield forPython(ref, timeout);
      }
      case "put" -> worker.putXlang(req.get("value"));
      case "wait" -> {
        @SuppressWarnings("unchecked")
        List<ObjectRef<Object>> refs = (List<ObjectRef<Object>>) req.get("refs");
        int n = ((Number) req.get("num_returns")).intValue();
        long timeout = ((Number) req.get("timeout_ms")).longValue();
        var r = worker.wait(refs, Math.min(n, refs.size()), timeout);
        yield List.of(r.getReady(), r.getUnready());
      }
      case "submit_java" ->
          worker.submitTask(
              new FunctionResolver.JavaMethodByName(
                  (String) req.get("cls"), (String) req.get("method")),
              ((List<?>) req.get("args")).toArray(),
              CallOptions.builder().build());
      case "create_java_actor" -> {
        ActorHandle<Object> h =
            worker.createActor(
                new FunctionResolver.JavaConstructorByName((String) req.get("cls")),
                ((List<?>) req.get("args")).toArray(),
                ActorOptions.builder().build());
        yield h.id();
      }
      case "call_java_actor" ->
          worker.submitActorTask(
              worker.actorFromId(
                  io.glint.internal.runtime.common.Ids.fromHex((String) req.get("actor"))),
              new FunctionResolver.JavaMethodByName("", (String) req.get("method")),
              ((List<?>) req.get("args")).toArray(),
              null);
      default -> calls.handle(op, req);
    };
  }
}
