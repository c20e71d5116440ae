"""CPU seconds of this process per thread, grouped by what the thread does (Linux; ``bench/build.py``).

A build's CPU is spread over threads of very different kinds: the main thread (parse, map, N-Quads),
the store writer (drops, the statistics queries, the pipe), Oxigraph's loader (it parses the pipe; the
workers it starts sort and write each load's files), RocksDB's background threads (flushes and
compactions) and the validation child (a process of its own, counted by the caller). The process total
says how much CPU was used, not by what; this sampler reads ``/proc/self/task/*/stat`` every
``interval`` seconds and keeps each thread's last reading, so a thread that has ended still counts
(less what it used after its last reading: reported as ``exited, unseen``, the process total minus
what was seen).

Groups: the OS thread name (RocksDB names its threads ``rocksdb:low``/``rocksdb:high``; the store's
own threads name themselves, see :mod:`kg_builder.store.generations`). A thread that carries the
name of a Python thread without being it was started by that thread's native code (Oxigraph's loader
workers inherit ``kg-store-loader``): ``<name> (native)``. Python threads without an OS name are
grouped by their Python name, the main thread as ``main``.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _read(tasks: str, tid: str) -> tuple[str, float] | None:
    """(OS thread name, user + system CPU seconds) of thread ``tid``; None when it has ended."""
    try:
        with open(f"{tasks}/{tid}/stat", "rb") as handle:
            text = handle.read().decode(errors="replace")
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return name, (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime: fields 14 and 15 of stat


def process_cpu(pid: int | None = None) -> float:
    """The user + system CPU seconds of this process (or ``pid``), every thread (ended ones too), no children."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    reading = _read("/proc", str(pid))
    return reading[1] if reading is not None else 0.0


class ThreadCpu:
    """Samples every thread's CPU in a thread of its own until :meth:`stop`; :meth:`groups` sums them.

    ``pid``: another process's threads instead of this one's (no Python thread names then)."""

    def __init__(self, interval: float = 0.2, pid: int | None = None) -> None:
        self.interval = interval
        self.pid = pid
        self._tasks = f"/proc/{'self' if pid is None else pid}/task"
        self._seen: dict[int, tuple[str, float]] = {}  # tid → (group, CPU seconds at its last reading)
        self._python: dict[int, str] = {}  # native thread id → Python thread name (every one ever seen)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="bench-cpu-sampler", daemon=True)
        self._available = os.path.isdir(self._tasks)
        self._process_name = _process_name(self._tasks)
        self._total = 0.0  # the process's CPU at the last reading (another process's ends with it)
        if self._available:
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        if not self._available:
            return
        if self.pid is None:
            for thread in threading.enumerate():
                if thread.native_id is not None:
                    self._python[thread.native_id] = "main" if thread is threading.main_thread() else thread.name
        try:
            tids = os.listdir(self._tasks)
        except OSError:
            return
        total = process_cpu(self.pid)
        with self._lock:
            self._total = max(self._total, total)
            for tid in tids:
                reading = _read(self._tasks, tid)
                if reading is not None:
                    self._seen[int(tid)] = (self._group(int(tid), reading[0]), reading[1])

    def _group(self, tid: int, name: str) -> str:
        python = self._python.get(tid)
        if python is not None:  # a Python thread: its OS name when it set one, else its Python name
            return python if name == self._process_name else name
        if self.pid is not None:
            return "main" if tid == self.pid else name
        if name == self._process_name or name in self._python.values():
            # a native thread that inherited the name of the thread that started it
            return f"{'main' if name == self._process_name else name} (native)"
        return name

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.sample()

    def groups(self, total: float | None = None) -> dict[str, float]:
        """CPU seconds per group so far, largest first, with ``exited, unseen``: the process total (``total``
        when given: another process's, from its rusage once it ended) less what the readings saw."""
        self.sample()
        if total is not None:
            self._total = total
        out: dict[str, float] = defaultdict(float)
        with self._lock:
            for group, cpu in self._seen.values():
                out[group] += cpu
        if self._available:
            out["exited, unseen"] = max(0.0, self._total - sum(out.values()))
        return dict(sorted(out.items(), key=lambda item: -item[1]))


def _process_name(tasks: str) -> str:
    try:
        with open(f"{tasks.rsplit('/', 1)[0]}/comm", encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def difference(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    """CPU seconds per group between two :meth:`ThreadCpu.groups` readings."""
    return {group: cpu - before.get(group, 0.0) for group, cpu in after.items()
            if cpu - before.get(group, 0.0) > 0.005}
