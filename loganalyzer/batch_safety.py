"""What keeps a batch safe under faults: a time limit per bundle, workers that die with the
batch, and one batch at a time per output folder.

    with output_lock(out_dir):          # a second batch on the same folder: BatchError at once
        ...                             # workers call die_with_parent() when they start
        with time_limit(600):           # on a worker, around one bundle
            diagnose(...)               # -> BundleTimeout past 600 s

The lock is a POSIX record lock (``fcntl.lockf``): it belongs to the process that took it, is
not inherited by forked workers, and is released by the kernel when that process dies, even by
``kill -9``. Workers ask the kernel (``PR_SET_PDEATHSIG`` on Linux) to be killed when the batch
process dies, and otherwise watch their parent from a thread, so none is left running.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["BundleTimeout", "OutputInUse", "die_with_parent", "output_lock", "time_limit"]

LOCK_FILE = "_batch.lock"
_PR_SET_PDEATHSIG = 1


class BundleTimeout(BaseException):
    """One bundle took longer than the batch's time limit.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that no parser's ``except Exception``
    guard can swallow it and carry on reading."""


class OutputInUse(Exception):
    """Another live batch holds the output folder's lock."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`BundleTimeout` in this thread once ``seconds`` have passed.

    Uses ``SIGALRM``, so it only works in a process's main thread on POSIX (a pool worker);
    elsewhere (a Dask worker thread, Windows) it does nothing and the engine's own limits apply.
    """
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise BundleTimeout(f"took longer than the time limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def die_with_parent() -> None:
    """Make this worker process end when the process that started it ends.

    On Linux the kernel sends ``SIGKILL`` when the parent dies (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere a daemon thread polls the parent id. Either way a worker never outlives a batch
    that was killed, and never keeps the output folder busy.
    """
    parent = os.getppid()
    armed = False
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        armed = False
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    if armed:
        return

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            threading.Event().wait(1.0)

    threading.Thread(target=watch, name="loganalyzer-parent-watch", daemon=True).start()


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for this process; raise :class:`OutputInUse` if a live batch has it.

    The lock file records the holder's process id, for the message a second batch shows."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; do not run two batches into one folder there
        yield
        return
    path = Path(out_dir) / LOCK_FILE
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(descriptor, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise OutputInUse(f"another batch (process {holder}) is writing to {out_dir}") from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.lockf(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
