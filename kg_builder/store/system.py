"""What the store writer asks of the OS and the C library: memory given back, thread names and priorities.

Each is a no-op where it is not available (no glibc, not Linux): they change how a build uses the
machine, never what it stores.
"""

from __future__ import annotations

import contextlib
import ctypes
import os

_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8  # glibc mallopt parameters
_MMAP_THRESHOLD = 4 << 20
_PR_SET_NAME = 15  # Linux prctl option: the calling thread's name
_LOWEST_PRIORITY = 19  # niceness of RocksDB's background threads while a generation loads


def return_freed_memory() -> None:
    """Make glibc give the loaders' large buffers back to the system when they are freed.

    Each bulk load allocates hundreds of MB in large vectors and frees them when it ends.
    glibc raises its mmap threshold after such a free, so the next loader's vectors come
    from the heap arenas, where freed space stays in the process (measured: ~270 MB of a
    build's peak RSS at 5,000 studies). A fixed threshold keeps large blocks mmapped, and
    two arenas bound what the loader threads fragment. No-op where there is no glibc.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    mallopt(_M_ARENA_MAX, 2)


def name_os_thread(name: str) -> None:
    """Give the calling thread ``name`` in the OS too (Linux ``prctl``; no-op elsewhere).

    Python names its threads only for itself; with an OS name, per-thread CPU (``top -H``,
    ``/proc/PID/task``, ``bench/build.py``) tells the writer and the loader apart, and the
    native threads Oxigraph's loader starts inherit the loader's name."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)


class CompactionPriority:
    """Run RocksDB's background threads (compactions, flushes) at the lowest OS priority while a generation loads.

    Every load lands as new files overlapping all the store holds, and RocksDB merges them in the
    background as soon as two wait: each merge rewrites the store's data, so the more often it runs, the
    more it costs in all (measured at 5,000 studies, the same loads: 16.0 s of CPU at the default priority,
    2.9 s at the lowest). At the lowest priority it runs only on CPU the build leaves idle and merges more
    loads at once; the full compaction at close (``optimize``) merges the rest, after the priority is given
    back. Raising a thread's priority again may need a privilege: where the process lacks it, nothing is
    lowered. The threads are the process's (RocksDB's default environment), found by their names; Linux
    only, a no-op elsewhere.
    """

    def __init__(self) -> None:
        self._lowered: dict[int, int] = {}  # thread id -> its niceness before

    def lower(self) -> None:
        """Lower every RocksDB background thread not yet lowered (idempotent; new threads are found too), but
        only where its priority can be given back: the compaction at close must not run at the lowest."""
        for tid in _rocksdb_threads():
            if tid not in self._lowered:
                with contextlib.suppress(OSError):
                    before = os.getpriority(os.PRIO_PROCESS, tid)
                    if _may_raise_to(before):
                        os.setpriority(os.PRIO_PROCESS, tid, _LOWEST_PRIORITY)
                        self._lowered[tid] = before

    def restore(self) -> None:
        for tid, before in self._lowered.items():
            with contextlib.suppress(OSError):  # PermissionError without the right to raise a priority
                os.setpriority(os.PRIO_PROCESS, tid, before)
        self._lowered.clear()


def _may_raise_to(niceness: int) -> bool:
    """Whether this process may set a thread's niceness back to ``niceness`` (Linux: as root, or within the
    soft ``RLIMIT_NICE``, which allows down to 20 - limit)."""
    if os.geteuid() == 0:
        return True
    try:
        import resource

        return 20 - resource.getrlimit(resource.RLIMIT_NICE)[0] <= niceness
    except (ImportError, AttributeError, OSError, ValueError):
        return False


def _rocksdb_threads() -> list[int]:
    """The ids of this process's RocksDB background threads (named ``rocksdb:…``); [] where /proc is missing."""
    found = []
    with contextlib.suppress(OSError):
        for tid in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/comm", encoding="utf-8") as comm:
                if comm.read().startswith("rocksdb:"):
                    found.append(int(tid))
    return found


def trim_freed_memory() -> None:
    """Hand the free pages inside glibc's arenas back to the system (after a load freed its buffers).

    The loader's threads allocate in arenas of their own, where what they free stays
    resident until trimmed. Called once per load. No-op where there is no glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
