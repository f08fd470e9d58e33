"""Starts a JVM inside this Python process through the JNI invocation API, with ctypes only.

Glint's core worker (ownership, reference counting, leases, the object store client) is Java; a
Python driver hosts it in-process instead of re-implementing it. After ``start`` the JVM runs
here; Java calls back into this interpreter through FFM, as it does in workers.
"""
import ctypes
import os
import subprocess

JNI_VERSION_21 = 0x00150000
# Slots of the JNIEnv function table (jni.h, JNINativeInterface_).
_FIND_CLASS = 6
_EXCEPTION_DESCRIBE = 16
_EXCEPTION_CLEAR = 17
_GET_STATIC_METHOD_ID = 113
_CALL_STATIC_LONG_METHOD_A = 134
_EXCEPTION_CHECK = 228


class _Option(ctypes.Structure):
    _fields_ = [("optionString", ctypes.c_char_p), ("extraInfo", ctypes.c_void_p)]


class _InitArgs(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("nOptions", ctypes.c_int),
                ("options", ctypes.POINTER(_Option)), ("ignoreUnrecognized", ctypes.c_ubyte)]


_jvm = None  # (JavaVM*, the library) once started: one JVM per process, for its whole life


def java_home():
    """A JDK 25+: JAVA_HOME when it is one, else the newest in the places Glint's scripts search.
    Says what to install when there is none."""
    env = os.environ.get("JAVA_HOME")
    if env and _major(env) >= 25:
        return env
    candidates = []
    for root in ("/usr/lib/jvm", "/usr/java", "/opt/java", os.path.expanduser("~/.sdkman/candidates/java"),
                 os.path.expanduser("~/.jdks")):
        if os.path.isdir(root):
            candidates.extend(os.path.join(root, d) for d in sorted(os.listdir(root), reverse=True))
    best, best_version = None, 24
    for home in candidates:
        version = _major(home)
        if version > best_version:
            best, best_version = home, version
    if best is None:
        raise RuntimeError(
            "Glint needs a JDK 25 or newer and found none (JAVA_HOME="
            f"{env or 'unset'}, /usr/lib/jvm). Install one, e.g. Eclipse "
            "Temurin 25 (apt install temurin-25-jdk, or https://adoptium.net), then set JAVA_HOME.")
    return best


def _major(home):
    release = os.path.join(home, "release")
    lib = os.path.join(home, "lib", "server", "libjvm.so")
    if not os.path.isfile(lib):
        return 0
    try:
        with open(release) as f:
            for line in f:
                if line.startswith("JAVA_VERSION="):
                    v = line.split("=", 1)[1].strip().strip('"')
                    return int(v.split(".")[0])
    except (OSError, ValueError):
        pass
    try:
        out = subprocess.run([os.path.join(home, "bin", "java"), "-version"], capture_output=True,
                             text=True, timeout=30).stderr
        return int(out.split('"')[1].split(".")[0])
    except Exception:  # noqa: BLE001 - not a usable JDK
        return 0


def start(classpath, options=()):
    """Creates the JVM (once), returns the address of Glint's entry point (PythonDriver.boot)."""
    global _jvm
    if _jvm is not None:
        return _jvm[2]
    home = java_home()
    lib = ctypes.CDLL(os.path.join(home, "lib", "server", "libjvm.so"), mode=ctypes.RTLD_GLOBAL)
    opts = [f"-Djava.class.path={os.pathsep.join(classpath)}",
            # Signals stay Python's: Ctrl-C raises KeyboardInterrupt, not a JVM exit.
            "-Xrs",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-Dslf4j.internal.verbosity=ERROR",
            *options]
    raw = (_Option * len(opts))()
    keep = []
    for i, o in enumerate(opts):
        b = o.encode()
        keep.append(b)
        raw[i].optionString = b
    args = _InitArgs(JNI_VERSION_21, len(opts), raw, 0)
    vm = ctypes.c_void_p()
    env = ctypes.c_void_p()
    create = lib.JNI_CreateJavaVM
    create.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
    create.restype = ctypes.c_int
    rc = create(ctypes.byref(vm), ctypes.byref(env), ctypes.byref(args))
    if rc != 0:
        raise RuntimeError(f"Cannot start the JVM of {home} in this process (JNI_CreateJavaVM "
                           f"returned {rc}); a JVM may already run here")
    address = _boot(env)
    _jvm = (vm, lib, address)
    return address


def _fn(env, slot, restype, *argtypes):
    table = ctypes.cast(ctypes.cast(env, ctypes.POINTER(ctypes.c_void_p))[0],
                        ctypes.POINTER(ctypes.c_void_p))
    return ctypes.CFUNCTYPE(restype, ctypes.c_void_p, *argtypes)(table[slot])


def _boot(env):
    # Only the thread that created the JVM calls through this JNIEnv: glint.init runs the boot
    # once and every later call goes through the FFM entry point, which any thread may call.
    find_class = _fn(env, _FIND_CLASS, ctypes.c_void_p, ctypes.c_char_p)
    get_method = _fn(env, _GET_STATIC_METHOD_ID, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                     ctypes.c_char_p)
    call_long = _fn(env, _CALL_STATIC_LONG_METHOD_A, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p,
                    ctypes.c_void_p)
    check = _fn(env, _EXCEPTION_CHECK, ctypes.c_ubyte)
    describe = _fn(env, _EXCEPTION_DESCRIBE, None)
    clear = _fn(env, _EXCEPTION_CLEAR, None)
    cls = find_class(env, b"io/glint/internal/runtime/core/PythonDriver")
    if not cls or check(env):
        describe(env)
        clear(env)
        raise RuntimeError("The JVM has no io.glint.internal.runtime.core.PythonDriver: the class "
                           "path does not hold Glint's runtime jars (see GLINT_HOME)")
    method = get_method(env, cls, b"boot", b"()J")
    address = call_long(env, cls, method, None)
    if check(env):
        describe(env)
        clear(env)
        raise RuntimeError("Glint's runtime failed to start in this process (see the Java stack "
                           "trace above)")
    return address
