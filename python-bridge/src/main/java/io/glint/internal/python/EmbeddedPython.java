package io.glint.internal.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CPython interpreter embedded in this JVM through the JDK's foreign-function API (the role Jep
 * plays elsewhere). One per process, initialized once; any Java thread may call in, taking the GIL
 * for the duration of the call.
 *
 * <p>Calls go through the {@code glint._bridge} Python module and exchange bytes: a status byte (0
 * ok, 1 error) followed by a MessagePack payload (the value, or the exception's type, message and
 * traceback). The caller decodes them.
 *
 * <pre>{@code
 * EmbeddedPython py = EmbeddedPython.start(EmbeddedPython.locate(Path.of("python3")), List.of());
 * byte[] reply = py.call("math", "sqrt", List.of(msgpackOf(16.0)));
 * }</pre>
 */
public final class EmbeddedPython {
  /** Where an interpreter lives. */
  public record Location(Path executable, Path libpython, String version) {}

  private static final int RTLD_NOW = 2;
  private static final int RTLD_GLOBAL = 0x100;
  private static volatile EmbeddedPython instance;

  private final Linker linker = Linker.nativeLinker();
  private final MemorySegment lib;
  private final MethodHandle gilEnsure;
  private final MethodHandle gilRelease;
  private final MethodHandle getAttr;
  private final MethodHandle callObject;
  private final MethodHandle tupleNew;
  private final MethodHandle tupleSetItem;
  private final MethodHandle listNew;
  private final MethodHandle listSetItem;
  private final MethodHandle unicodeFromString;
  private final MethodHandle bytesFromStringAndSize;
  private final MethodHandle bytesAsString;
  private final MethodHandle bytesSize;
  private final MethodHandle longFromLongLong;
  private final MethodHandle decRef;
  private final MethodHandle errPrint;
  private final MemorySegment fnCall;
  private final MemorySegment fnCreateActor;
  private final MemorySegment fnCallActor;
  private final MemorySegment fnSetup;
  private final MemorySegment fnExportPending;
  private final Location location;

  /**
   * @param pythonPath directories put first on {@code sys.path}; {@code null} when Python is the
   *     host of this process (a Python driver started this JVM): the running interpreter is used as
   *     it is, nothing initialized or changed
   */
  private EmbeddedPython(Location location, List<Path> pythonPath) {
    this.location = location;
    boolean hosted = pythonPath == null;
    MethodHandle dlopen =
        down(
            Linker.nativeLinker().defaultLookup().find("dlopen").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    try (Arena a = Arena.ofConfined()) {
      // RTLD_GLOBAL: extension modules (numpy, pyarrow) resolve libpython's symbols through it.
      // Hosted: the process's global symbols, where the running interpreter's already are.
      MemorySegment name =
          hosted ? MemorySegment.NULL : a.allocateFrom(location.libpython().toString());
      lib = (MemorySegment) dlopen.invokeExact(name, RTLD_NOW | RTLD_GLOBAL);
    } catch (Throwable t) {
      throw new IllegalStateException("Cannot load " + location.libpython(), t);
    }
    if (lib.address() == 0) {
      throw new IllegalStateException(
          "Cannot load " + location.libpython() + " (dlopen failed): Python tasks cannot run here");
    }
    MethodHandle setProgramName =
        fn("Py_SetProgramName", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    MethodHandle initialize =
        fn("Py_InitializeEx", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
    MethodHandle saveThread = fn("PyEval_SaveThread", FunctionDescriptor.of(ValueLayout.ADDRESS));
    MethodHandle runString =
        fn("PyRun_SimpleString", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    MethodHandle importModule =
        fn(
            "PyImport_ImportModule",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    gilEnsure = fn("PyGILState_Ensure", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    gilRelease = fn("PyGILState_Release", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
    getAttr =
        fn(
            "PyObject_GetAttrString",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    callObject =
        fn(
            "PyObject_CallObject",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    tupleNew = fn("PyTuple_New", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    tupleSetItem =
        fn(
            "PyTuple_SetItem",
            FunctionDescriptor.of(
                ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS));
    listNew = fn("PyList_New", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    listSetItem =
        fn(
            "PyList_SetItem",
            FunctionDescriptor.of(
                ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS));
    unicodeFromString =
        fn("PyUnicode_FromString", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    bytesFromStringAndSize =
        fn(
            "PyBytes_FromStringAndSize",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    bytesAsString =
        fn("PyBytes_AsString", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    bytesSize =
        fn("PyBytes_Size", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    longFromLongLong =
        fn(
            "PyLong_FromLongLong",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    decRef = fn("Py_DecRef", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    errPrint = fn("PyErr_Print", FunctionDescriptor.ofVoid());

    int gil = 0;
    try (Arena a = Arena.ofConfined()) {
      if (hosted) {
        gil = (int) gilEnsure.invokeExact();
      } else {
        // The program name makes CPython find its prefix (a virtual environment's site-packages).
        setProgramName.invokeExact(wide(a, location.executable().toString()));
        initialize.invokeExact(0);
        List<String> entries = new ArrayList<>();
        for (Path p : pythonPath) {
          entries.add(pyString(p.toAbsolutePath().toString()));
        }
        String setup =
            "import sys\nsys.path[:0] = ["
                + String.join(", ", entries)
                + "]\nsys.dont_write_bytecode = True\n";
        int rc = (int) runString.invokeExact(a.allocateFrom(setup));
        if (rc != 0) {
          throw new IllegalStateException("Cannot set up the embedded Python's sys.path");
        }
      }
      MemorySegment bridge =
          (MemorySegment) importModule.invokeExact(a.allocateFrom("glint._bridge"));
      if (bridge.address() == 0) {
        errPrint.invokeExact();
        throw new IllegalStateException(
            "The embedded Python cannot import glint._bridge (is msgpack installed for "
                + location.executable()
                + "?); see the worker's stderr for the Python traceback");
      }
      fnCall = attr(a, bridge, "call");
      fnCreateActor = attr(a, bridge, "create_actor");
      fnCallActor = attr(a, bridge, "call_actor");
      fnSetup = attr(a, bridge, "setup");
      fnExportPending = attr(a, bridge, "export_pending");
      if (hosted) {
        gilRelease.invokeExact(gil);
      } else {
        // Give the GIL up: callers take it per call.
        MemorySegment ignored = (MemorySegment) saveThread.invokeExact();
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("Cannot start the embedded Python: " + t, t);
    }
  }

  /**
   * The interpreter that hosts this process: a Python driver created this JVM (through the JNI
   * invocation API), so CPython already runs here; calls take its GIL as in a worker.
   */
  public static EmbeddedPython attach(Path executable) {
    EmbeddedPython p = instance;
    if (p == null) {
      synchronized (EmbeddedPython.class) {
        p = instance;
        if (p == null) {
          p = new EmbeddedPython(new Location(executable, Path.of("(this process)"), ""), null);
          instance = p;
        }
      }
    }
    return p;
  }

  /**
   * The process's interpreter, started on first use. {@code glue} is a directory holding the {@code
   * glint} Python package; {@code pythonPath} are the job's module directories.
   */
  public static EmbeddedPython start(Location location, List<Path> pythonPath) {
    EmbeddedPython p = instance;
    if (p == null) {
      synchronized (EmbeddedPython.class) {
        p = instance;
        if (p == null) {
          List<Path> path = new ArrayList<>();
          path.add(extractGluePackage());
          path.addAll(pythonPath);
          p = new EmbeddedPython(location, path);
          instance = p;
        }
      }
    }
    return p;
  }

  /** Whether an interpreter runs in this process. */
  public static boolean started() {
    return instance != null;
  }

  public Location location() {
    return location;
  }

  /**
   * Finds an interpreter's shared libpython by asking it. Fails with a message saying what is
   * missing when the executable does not run or was built without a shared library.
   */
  public static Location locate(Path executable) {
    String script =
        "import sysconfig, sys, os\n"
            + "print(sysconfig.get_config_var('Py_ENABLE_SHARED') or 0)\n"
            + "print(sysconfig.get_config_var('LIBDIR') or '')\n"
            + "print(sysconfig.get_config_var('LDLIBRARY') or '')\n"
            + "print(sys.version.split()[0])\n"
            + "print(sys.executable)\n";
    List<String> lines = new ArrayList<>();
    try {
      Process p =
          new ProcessBuilder(executable.toString(), "-c", script).redirectErrorStream(true).start();
      try (InputStream in = p.getInputStream()) {
        lines.addAll(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
      }
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            "The Python interpreter "
                + executable
                + " failed to describe itself: "
                + String.join("\n", lines));
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot run the Python interpreter "
              + executable
              + " (set glint.python.executable / GLINT_PYTHON_EXECUTABLE to a python3): "
              + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while probing " + executable, e);
    }
    if (lines.size() < 5 || !lines.get(0).trim().equals("1")) {
      throw new IllegalStateException(
          "The Python interpreter "
              + executable
              + " has no shared libpython (built without --enable-shared), so it cannot be"
              + " embedded in Glint workers; use a Python built with --enable-shared (pyenv:"
              + " PYTHON_CONFIGURE_OPTS=--enable-shared; Debian/Ubuntu: the system python3 with"
              + " libpython3-dev)");
    }
    Path lib = Path.of(lines.get(1).trim(), lines.get(2).trim());
    if (!Files.exists(lib)) {
      throw new IllegalStateException(
          "The Python interpreter "
              + executable
              + " reports its shared library at "
              + lib
              + ", which does not exist");
    }
    return new Location(Path.of(lines.get(4).trim()), lib, lines.get(3).trim());
  }

  /** Calls {@code module.name(*args)}; each argument is MessagePack bytes. */
  public byte[] call(String module, String name, List<byte[]> args) {
    return invoke(fnCall, List.of(module, name), args);
  }

  public byte[] createActor(String actorId, String module, String className, List<byte[]> args) {
    return invoke(fnCreateActor, List.of(actorId, module, className), args);
  }

  public byte[] callActor(String actorId, String method, List<byte[]> args) {
    return invoke(fnCallActor, List.of(actorId, method), args);
  }

  /** Hands the address of Java's upcall entry point to Python (for glint.get/put/...). */
  public byte[] setup(long upcallAddress) {
    return invoke(fnSetup, List.of(upcallAddress), null);
  }

  /**
   * After a call answered with status 2 (an Arrow result), has Python export it through the C Data
   * Interface into the given ArrowArray and ArrowSchema structures.
   */
  public byte[] exportPending(long arrayAddress, long schemaAddress) {
    return invoke(fnExportPending, List.of(arrayAddress, schemaAddress), null);
  }

  /** Calls a bridge function with string/long leading arguments and an optional bytes list. */
  private byte[] invoke(MemorySegment function, List<Object> leading, List<byte[]> args) {
    int gil;
    try {
      gil = (int) gilEnsure.invokeExact();
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    try (Arena a = Arena.ofConfined()) {
      int n = leading.size() + (args == null ? 0 : 1);
      MemorySegment tuple = (MemorySegment) tupleNew.invokeExact((long) n);
      int i = 0;
      for (Object o : leading) {
        MemorySegment item =
            o instanceof String s
                ? (MemorySegment) unicodeFromString.invokeExact(a.allocateFrom(s))
                : (MemorySegment) longFromLongLong.invokeExact((long) (Long) o);
        int rc = (int) tupleSetItem.invokeExact(tuple, (long) i++, item);
      }
      if (args != null) {
        MemorySegment list = (MemorySegment) listNew.invokeExact((long) args.size());
        for (int j = 0; j < args.size(); j++) {
          int rc = (int) listSetItem.invokeExact(list, (long) j, pyBytes(a, args.get(j)));
        }
        int rc = (int) tupleSetItem.invokeExact(tuple, (long) i, list);
      }
      MemorySegment result = (MemorySegment) callObject.invokeExact(function, tuple);
      decRef.invokeExact(tuple);
      if (result.address() == 0) {
        errPrint.invokeExact();
        throw new IllegalStateException("the Python bridge itself failed; see the worker's stderr");
      }
      try {
        long size = (long) bytesSize.invokeExact(result);
        MemorySegment data = ((MemorySegment) bytesAsString.invokeExact(result)).reinterpret(size);
        return data.toArray(ValueLayout.JAVA_BYTE);
      } finally {
        decRef.invokeExact(result);
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("Call into Python failed: " + t, t);
    } finally {
      try {
        gilRelease.invokeExact(gil);
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    }
  }

  private MemorySegment pyBytes(Arena a, byte[] b) throws Throwable {
    MemorySegment src = a.allocate(Math.max(1, b.length));
    MemorySegment.copy(b, 0, src, ValueLayout.JAVA_BYTE, 0, b.length);
    return (MemorySegment) bytesFromStringAndSize.invokeExact(src, (long) b.length);
  }

  private MemorySegment attr(Arena a, MemorySegment obj, String name) throws Throwable {
    MemorySegment r = (MemorySegment) getAttr.invokeExact(obj, a.allocateFrom(name));
    if (r.address() == 0) {
      errPrint.invokeExact();
      throw new IllegalStateException("glint._bridge has no " + name);
    }
    return r;
  }

  private MethodHandle fn(String name, FunctionDescriptor d) {
    MethodHandle dlsym =
        down(
            Linker.nativeLinker().defaultLookup().find("dlsym").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    try (Arena a = Arena.ofConfined()) {
      MemorySegment addr = (MemorySegment) dlsym.invokeExact(lib, a.allocateFrom(name));
      if (addr.address() == 0) {
        throw new IllegalStateException(location.libpython() + " has no symbol " + name);
      }
      return linker.downcallHandle(addr, d);
    } catch (RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static MethodHandle down(MemorySegment addr, FunctionDescriptor d) {
    return Linker.nativeLinker().downcallHandle(addr, d);
  }

  /** A NUL-terminated wchar_t string (UTF-32 on Linux). */
  private static MemorySegment wide(Arena a, String s) {
    byte[] utf32 = s.getBytes(java.nio.charset.Charset.forName("UTF-32LE"));
    MemorySegment seg = a.allocate(utf32.length + 4L);
    MemorySegment.copy(utf32, 0, seg, ValueLayout.JAVA_BYTE, 0, utf32.length);
    return seg;
  }

  private static String pyString(String s) {
    StringBuilder sb = new StringBuilder("'");
    for (char c : s.toCharArray()) {
      if (c == '\\' || c == '\'') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('\'').toString();
  }

  /** Whether a directory is this user's, a real directory, and writable by nobody else. */
  private static boolean private_(Path dir) throws IOException {
    var opt = java.nio.file.LinkOption.NOFOLLOW_LINKS;
    if (!Files.isDirectory(dir, opt)
        || !Files.getOwner(dir, opt).getName().equals(System.getProperty("user.name"))) {
      return false;
    }
    var perms = Files.getPosixFilePermissions(dir, opt);
    return !perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
        && !perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
  }

  /** Copies the glint Python package out of this jar, once per content version and user. */
  static Path extractGluePackage() {
    String[] files = {
      "__init__.py",
      "_bridge.py",
      "_values.py",
      "_runtime.py",
      "cross_language.py",
      "data_udf.py",
      "data.py",
      "_remote.py",
      "_driver.py",
      "_jvm.py",
      "exceptions.py",
      "util/__init__.py",
      "util/placement_group.py",
      "util/scheduling_strategies.py",
      "tune/__init__.py",
      "tune/_space.py",
      "tune/_trial.py",
      "tune/_tuner.py",
      "tune/schedulers.py",
      "tune/search/__init__.py"
    };
    try {
      StringBuilder all = new StringBuilder();
      List<byte[]> contents = new ArrayList<>();
      for (String f : files) {
        try (InputStream in =
            EmbeddedPython.class.getResourceAsStream("/glint-python/glint/" + f)) {
          if (in == null) {
            throw new IllegalStateException("glint Python package missing from the jar: " + f);
          }
          byte[] b = in.readAllBytes();
          contents.add(b);
          all.append(f).append(b.length).append(java.util.Arrays.hashCode(b));
        }
      }
      // Per user and content version, and only used when it is this user's and nobody else can
      // write to it: code another local user planted there must not run in our workers.
      Path root =
          Path.of(
              System.getProperty("java.io.tmpdir"),
              "glint-python-"
                  + System.getProperty("user.name")
                  + "-"
                  + Integer.toHexString(all.toString().hashCode()));
      if (Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !private_(root)) {
        root =
            Files.createTempDirectory(
                Path.of(System.getProperty("java.io.tmpdir")), "glint-python-private-");
      }
      Path pkg = root.resolve("glint");
      if (!Files.isDirectory(pkg)) {
        Path tmp =
            Files.createTempDirectory(
                Path.of(System.getProperty("java.io.tmpdir")), "glint-python-");
        Files.createDirectories(tmp.resolve("glint"));
        for (int i = 0; i < files.length; i++) {
          Path f = tmp.resolve("glint").resolve(files[i]);
          Files.createDirectories(f.getParent());
          Files.write(f, contents.get(i));
        }
        if (Files.exists(root)) {
          // a private directory of our own, created above: fill it
          Files.move(tmp.resolve("glint"), pkg, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
          Files.delete(tmp);
        } else {
          try {
            Files.move(tmp, root, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
          } catch (IOException e) {
            // another process won the race: use its copy
          }
        }
      }
      if (!private_(root)) {
        throw new IllegalStateException(
            "The glint Python package directory " + root + " is not private to this user");
      }
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot extract the glint Python package", e);
    }
  }
}
