# Shared by scripts/quickstart and scripts/test. Source it; do not run it.

# Selects a JDK 25+: JAVA_HOME when it is one, else the newest under the usual JVM directories.
glint_find_jdk() {
  _major() { "$1/bin/java" -version 2>&1 | head -n 1 | sed -E 's/.*version "([0-9]+).*/\1/'; }
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    export JAVA_HOME
    return 0
  fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] || continue
    v=$(_major "$d")
    if [ "${v:-0}" -ge 25 ] 2>/dev/null && [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
  done
  if [ -z "$best" ]; then
    echo "Glint needs a JDK 25 or newer, and none was found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm)." >&2
    echo "Install one, e.g. Eclipse Temurin 25 (apt install temurin-25-jdk, or https://adoptium.net), then set JAVA_HOME." >&2
    exit 1
  fi
  export JAVA_HOME=$best
}

# Creates build/venv from the package mirror pip is configured for (no-op when up to date).
glint_setup_python() {
  local venv=build/venv req=python-requirements.txt
  local py=${GLINT_PYTHON_EXECUTABLE:-$(command -v python3 || true)}
  if [ -z "$py" ]; then
    echo "Glint's Python environment needs python3 (3.10+) on PATH." >&2
    exit 1
  fi
  if [ -x "$venv/bin/python" ] && [ "$venv/.stamp" -nt "$req" ]; then
    return 0
  fi
  echo "Creating the Python environment in $venv ..."
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --retries 0 --timeout 10 -r "$req"
  touch "$venv/.stamp"
}

# Installs Debian packages the tests drive for real (redis-server) when they are missing.
glint_ensure_test_packages() {
  local missing=()
  [ -x /usr/bin/redis-server ] || missing+=(redis-server)
  # The dashboard's browser test (Selenium drives Debian's headless Chromium) and its scrape test.
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  [ -x /usr/bin/prometheus ] || missing+=(prometheus)
  # The cluster launcher's SSH test logs in to a real sshd on loopback (it starts its own).
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing ${missing[*]} for the tests ..."
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  # Installing starts no service we rely on: tests start their own server on a free port.
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; then
    $sudo apt-get update -q >/dev/null && \
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
}

# Kills worker processes started from this checkout that outlived a run, and says so.
glint_reap() {
  local top pids
  top=$(pwd)
  # pgrep exits 1 when nothing matches: that is the good case, not an error under `set -e`.
  pids=$( { pgrep -f "io.glint.internal.runtime.worker.WorkerMain" 2>/dev/null || true; } | while read -r p; do
    if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "$top"; then echo "$p"; fi
  done)
  if [ -n "$pids" ]; then
    echo "Leftover Glint workers from this checkout (killed): $pids" >&2
    kill -9 $pids 2>/dev/null || true
    return 1
  fi
  return 0
}
