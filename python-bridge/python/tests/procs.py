"""Finds processes by a marker in their environment (every process a driver starts inherits it)."""
import os
import time


def with_marker(marker):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def wait_gone(marker, timeout_s=30):
    """The marked processes still alive after up to timeout_s seconds (exits take a moment)."""
    deadline = time.monotonic() + timeout_s
    left = with_marker(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = with_marker(marker)
    return left
