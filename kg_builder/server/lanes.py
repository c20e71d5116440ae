"""How query jobs take turns: a light lane and a heavy lane, fair turns per client, admission.

A lookup must not wait behind an analytical query. The pool (:mod:`kg_builder.server.worker`)
keeps two sets of worker processes:

* the **light lane** runs every job whose shape is not known to be heavy, ``threads`` at a
  time per process;
* the **heavy lane** (``heavy_workers`` processes, one job each, at a lower CPU priority:
  ``heavy_nice``) runs the jobs whose shape has cost at least ``light_budget`` CPU seconds.

A named query is the project's own text, whose cost ``bench/queries.py`` keeps within a second at
50,000 studies: it takes its lane like any job (admission, fair turns, the deadline, the row caps),
but its priority is never lowered, in either lane (``Job.trusted``).

A job's *shape* is its query text with every digit and the contents of double-quoted strings
masked (:func:`job_shape`; a named query is one shape whatever its parameters, which travel
apart from its text).
:class:`CostMemory` remembers the CPU time each shape took; nothing is guessed from the text.
A job of an unknown shape starts in the light lane; once it has used ``light_budget`` CPU
seconds there, its worker lowers that thread's priority and says so, the pool counts it
against the heavy lane and gives the light lane its thread back, and the shape goes to the
heavy lane next time. (Per-thread CPU clocks and priorities are Linux's; elsewhere a shape's
cost is learnt when its job ends, as a named query's is everywhere.)

Waiting jobs are served in turns, one client after another (:class:`FairQueue`; the client is
the peer address, set by the door in :data:`CLIENT`), so one client's burst does not hold the
others back. A heavy job that finds the heavy lane full (every process busy and
``heavy_queue`` jobs waiting) is refused at once with :class:`~kg_builder.server.worker.LaneFull`,
answered 503 with a ``Retry-After`` of the lane's usual job time; so is a job that goes over
the budget when the heavy lane has no room for it (its worker is stopped). Every job keeps
its deadline: past it, its worker is killed, in either lane.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

# the client a request comes from (its peer address, set by the door), for fair turns; "-" outside a request
CLIENT: ContextVar[str] = ContextVar("kg_builder_client", default="-")


# A shape masks what a client changes from one request to the next: every digit (an id, a year, a LIMIT)
# and the contents of double-quoted strings. Bytes operations only (split, translate): this runs for every
# request, so it costs about as much as hashing the text; a tokenizer cost ten times that.
_DIGITS = b"0123456789"


def job_shape(action: Any, params: dict[str, Any]) -> str:
    """The shape a job's cost is remembered by: the action, and its query with digits and strings masked.

    Coarse on purpose: two queries that differ only in a number share a cost (``ex:a1`` and ``ex:a2`` too),
    and one that differs in a name (an IRI's, a variable's) other than its digits is another shape, whose
    cost is learnt when it runs.
    """
    name = getattr(action, "__name__", str(action))
    query = params.get("query") or params.get("text")
    if isinstance(query, str):
        outside = query.encode("utf-8", "surrogatepass").split(b'"')[::2]  # what lies outside "..."
        masked = b'""'.join(outside).translate(None, _DIGITS)  # digits left out: 5 and 10 are alike
        return f"{name}:" + hashlib.blake2b(masked, digest_size=12).hexdigest()
    if name == "graph":  # a whole-store dump and one graph are different jobs
        return f"{name}:{'all' if params.get('graph') is None else 'one'}"
    return name


class CostMemory:
    """CPU seconds per shape (a moving average), for the ``size`` shapes seen last."""

    def __init__(self, budget: float, size: int = 4096) -> None:
        self.budget = budget
        self.size = size
        self._costs: collections.OrderedDict[str, float] = collections.OrderedDict()

    def heavy(self, shape: str) -> bool:
        cost = self._costs.get(shape)
        if cost is None:
            return False
        self._costs.move_to_end(shape)
        return cost >= self.budget

    def note(self, shape: str, seconds: float) -> None:
        """A job of ``shape`` took ``seconds`` of CPU: half the estimate is the latest run.

        A heavy shape stays heavy until a run of it costs less than half the budget: a shape whose runs
        cost about the budget would otherwise go back and forth between the lanes, and each time it ran
        past the budget in the light lane while the heavy lane was full, a light worker would be stopped.
        """
        old = self._costs.pop(shape, None)
        new = seconds if old is None else (old + seconds) / 2
        if old is not None and old >= self.budget and seconds >= self.budget / 2:
            new = max(new, self.budget)
        self._costs[shape] = new
        while len(self._costs) > self.size:
            self._costs.popitem(last=False)

    def over_budget(self, shape: str) -> None:
        """A job of ``shape`` ran past the budget: heavy from now on, whatever it cost before."""
        old = self._costs.pop(shape, 0.0)
        self._costs[shape] = max(old, self.budget)
        while len(self._costs) > self.size:
            self._costs.popitem(last=False)


class FairQueue:
    """Waiting jobs: one first-in-first-out queue per client, the clients served in turn."""

    def __init__(self) -> None:
        self._queues: collections.OrderedDict[str, collections.deque] = collections.OrderedDict()
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Any]:
        for queue in self._queues.values():
            yield from queue

    def push(self, client: str, item: Any, *, first: bool = False) -> None:
        """Queue ``item``; ``first``: ahead of everything (a job sent again after its worker was stopped)."""
        queue = self._queues.get(client)
        if queue is None:
            queue = self._queues[client] = collections.deque()
        if first:
            queue.appendleft(item)
            self._queues.move_to_end(client, last=False)
        else:
            queue.append(item)
        self._length += 1

    def pop(self) -> Any:
        """The next client's oldest job; that client goes to the back of the turn."""
        client, queue = next(iter(self._queues.items()))
        item = queue.popleft()
        if queue:
            self._queues.move_to_end(client)
        else:
            del self._queues[client]
        self._length -= 1
        return item

    def remove(self, client: str, item: Any) -> bool:
        queue = self._queues.get(client)
        if queue is None or item not in queue:
            return False
        queue.remove(item)
        if not queue:
            del self._queues[client]
        self._length -= 1
        return True


@dataclass(frozen=True, slots=True)
class LanePolicy:
    """The scheduling settings (see :class:`~kg_builder.settings.ServerSettings`); ``heavy_workers=0``
    is one lane for every job, the order of arrival, and no admission control."""

    heavy_workers: int = 0
    heavy_queue: int = 8
    light_budget: float = 0.25
    heavy_nice: int = 10


class Lane:
    """One lane's worker processes and the jobs waiting for them."""

    def __init__(self, name: str, size: int, threads: int, *, nice: int = 0, budget: float = 0.0) -> None:
        self.name = name
        self.size = size
        self.threads = threads  # jobs one process runs at once (over-budget ones not counted)
        self.nice = nice  # the processes' CPU priority (0: the server's)
        self.budget = budget  # CPU seconds a job runs at full priority (0: no limit)
        self.workers: list[Any] = []
        self.waiting = FairQueue()

    def free_worker(self) -> Any:
        """The least busy live worker with a free thread (the most recently used among equals), or None."""
        best, best_key = None, None
        for worker in self.workers:
            load = worker.load
            if worker.lost or load >= self.threads:
                continue
            key = (load, -worker.used)
            if best_key is None or key < best_key:
                best, best_key = worker, key
        return best

    def running(self) -> int:
        return sum(len(worker.running) for worker in self.workers)


# ---- in a light-lane worker process ------------------------------------------------------------
OVER_BUDGET = "over-budget"  # a worker's message: this job has used its CPU budget and runs on, at low priority
CAN_WATCH = sys.platform.startswith("linux")  # per-thread CPU clocks and per-thread nice values


class BudgetWatch:
    """Notices a job past ``seconds`` of CPU: lowers its thread's priority to ``nice``, tells the pool
    (``tell(job_id)``) and starts a fresh thread (``spawn()``) to take the slow one's place.

    Linux keeps a nice value and a CPU clock per thread, so only the slow job loses priority;
    the thread leaves once its job is done (an unprivileged process cannot raise it back).
    """

    def __init__(self, seconds: float, nice: int, tell: Callable[[int], None], spawn: Callable[[], None]) -> None:
        self.seconds = seconds
        self.nice = nice
        self._tell, self._spawn = tell, spawn
        self._running: dict[int, tuple[int, float, int]] = {}  # job id → (its thread's CPU clock, CPU at start, tid)
        self._over: set[int] = set()
        self._wake = threading.Condition()
        self._tick = min(0.05, seconds / 4)
        threading.Thread(target=self._watch, daemon=True, name="kg-builder-budget").start()

    def begin(self, job_id: int) -> None:
        """Called by the thread about to run ``job_id``."""
        clock = time.pthread_getcpuclockid(threading.get_ident())
        with self._wake:
            self._running[job_id] = (clock, time.clock_gettime(clock), threading.get_native_id())
            self._wake.notify()

    def end(self, job_id: int) -> bool:
        """Called by the same thread when the job is done: whether it went over budget (then the thread leaves)."""
        with self._wake:
            self._running.pop(job_id, None)
            if job_id in self._over:
                self._over.discard(job_id)
                return True
            return False

    def _watch(self) -> None:
        while True:
            with self._wake:
                while not self._running:
                    self._wake.wait()
                running = list(self._running.items())
            for job_id, (clock, start, tid) in running:
                try:
                    used = time.clock_gettime(clock) - start
                except OSError:  # its thread is gone: the job is over
                    continue
                if used < self.seconds:
                    continue
                with self._wake:
                    if self._running.pop(job_id, None) is None:
                        continue  # it ended meanwhile
                    self._over.add(job_id)
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, tid, self.nice)
                self._spawn()
                self._tell(job_id)
            time.sleep(self._tick)
