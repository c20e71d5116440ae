"""Query workers: separate processes, so that a time limit really stops the work.

pyoxigraph cannot cancel a running query, and a thread cannot be killed; a process
can. Each worker process runs several jobs at once, one per thread (pyoxigraph
releases the GIL while it evaluates, so concurrent queries share the process's store
and its caches, as a multi-threaded SPARQL server does). A job past its deadline gets
its worker killed (SIGKILL) and answers 503; the other jobs that worker was running
did nothing wrong: they are sent again to another worker with the time they have left
(they only read). A fresh worker takes the killed one's place. A job whose request is
cancelled (its client went away) is stopped the same way, after a short grace.

Jobs take turns in two lanes (:mod:`kg_builder.server.lanes`): a light lane for every
job not known to be heavy, and a heavy lane of low-priority processes for the shapes that
have cost more than the light budget; waiting jobs are served one client after another,
and a heavy job that finds its lane full is refused at once (503 with ``Retry-After``).

Each job names the store generation the server considers current; a worker reopens
its read-only store when that changes, so a rebuild is picked up between queries and
no query ever sees a half-built graph (generations are complete before the swap).

The worker process's side (its store, its threads, the messages on its pipe) is
:mod:`kg_builder.server.worker_main`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kg_builder.server import execute
from kg_builder.server.execute import Reply
from kg_builder.server.jobs import Job, LaneFull, PoolBusy, QueryTimeout, WorkerCrashed
from kg_builder.server.lanes import (
    CLIENT,
    OVER_BUDGET,
    CostMemory,
    Lane,
    LanePolicy,
    job_shape,
)
from kg_builder.server.worker_main import REMOTE, dumps, worker_main  # noqa: F401 (REMOTE: re-exported)

# spawn, not fork: the server process has threads (and RocksDB state) a fork would copy half-way
_CONTEXT = multiprocessing.get_context("spawn")
_GRACE = 0.5  # seconds a job whose client went away may still end by itself before its worker is stopped


@dataclass(eq=False, slots=True)
class _Pending:
    """A job between :meth:`WorkerPool.run` and its Reply: queued, or running on ``worker``."""

    job: Job
    answer: asyncio.Future[Reply]
    job_id: int = 0
    worker: _Worker | None = None
    timer: asyncio.TimerHandle | None = None
    client: str = "-"
    shape: str = ""
    lane: Lane | None = None
    over: bool = False  # ran past the light budget: counted against the heavy lane
    sent: float = 0.0  # when it went to its worker (the loop's clock)


class _Worker:
    def __init__(self, generation: str | None = None, threads: int = 1, lane: Lane | None = None,
                 over_nice: int = 0, offline: bool = False) -> None:
        self.conn, child = _CONTEXT.Pipe(duplex=True)
        self.lane = lane
        nice, budget = (lane.nice, lane.budget) if lane is not None else (0, 0.0)
        self.process = _CONTEXT.Process(target=worker_main, args=(child, generation, threads, offline, nice, budget,
                                                                       over_nice),
                                        daemon=True, name="kg-builder-query-worker")
        self.process.start()
        child.close()
        self.running: dict[int, _Pending] = {}  # job id → the job this worker is running
        self.used = 0  # when it last got a job (the pool's counter): the warmest caches go first
        self.watched: asyncio.AbstractEventLoop | None = None
        self.lost = False  # its pipe closed (it died), or it was killed: never give it another job

    @property
    def load(self) -> int:
        """Jobs holding one of its threads at full priority (an over-budget job's thread was replaced)."""
        return sum(1 for pending in self.running.values() if not pending.over)

    def watch(self, loop: asyncio.AbstractEventLoop, readable: Callable[[_Worker], None]) -> None:
        """Watch the pipe for the whole life of the worker: one registration, not one per job."""
        fd = self.conn.fileno()
        loop.add_reader(fd, readable, self)
        os.set_blocking(fd, True)  # uvloop makes a watched fd non-blocking; recv expects blocking
        self.watched = loop

    def unwatch(self) -> None:
        if self.watched is not None:
            self.watched.remove_reader(self.conn.fileno())
            self.watched = None

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """Worker processes in two lanes, each light process running up to ``threads`` jobs at once.

    Used from the server's event loop: jobs wait for their answers as futures resolved by a
    reader callback on each worker's pipe (no thread per waiting request), so many slow
    queries never hold up the loop. A job goes to its lane's least busy worker (the most
    recently used among equals); when every worker of its lane is full it waits, its client
    taking turns with the others, until its deadline. ``policy`` sets the heavy lane (none by
    default: one lane, the order of arrival).
    """

    def __init__(self, size: int, current: Callable[[], str | None] = lambda: None, *, threads: int = 4,
                 policy: LanePolicy | None = None, offline: bool = False) -> None:
        policy = policy or LanePolicy()
        self.offline = offline  # workers leave the network (kg_builder.server.sandbox)
        self.network: dict | None = None  # the last worker's report on that
        self._warned = False
        self.size = max(1, size)
        self.threads = max(1, threads)
        self.policy = policy
        watched = policy.light_budget if policy.heavy_workers and policy.light_budget > 0 else 0.0
        self.light = Lane("light", self.size, self.threads, budget=watched)
        self.heavy = Lane("heavy", max(0, policy.heavy_workers), 1, nice=policy.heavy_nice)
        self.costs = CostMemory(policy.light_budget)
        self._current = current  # the generation a new worker opens ahead of its first job
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._heavy_seconds = 1.0  # a heavy job's usual time (moving average), for Retry-After
        self.killed = 0  # workers killed for running past their deadline (for /health)
        self.cancelled = 0  # workers killed for a job nobody waited for any more (for /health)
        self.refused = 0  # heavy jobs refused because their lane was full
        self.replaced = 0  # workers that died or were killed and were replaced

    @property
    def _workers(self) -> list[_Worker]:
        return self.light.workers + self.heavy.workers

    def start(self) -> None:
        """Start the workers; call from the event loop that will use the pool."""
        self._loop = asyncio.get_running_loop()
        for lane in (self.light, self.heavy):
            for _ in range(lane.size):
                self._add(self._spawn(lane))

    def _spawn(self, lane: Lane) -> _Worker:
        worker = _Worker(self._current(), lane.threads, lane, self.policy.heavy_nice, self.offline)
        with self._lock:
            self._all.add(worker)
        return worker

    def _add(self, worker: _Worker) -> None:
        """Put a new worker to use (on the loop's thread)."""
        assert self._loop is not None and worker.lane is not None
        if self._closed:
            worker.kill()  # spawned by a replacement that raced with close()
            return
        worker.watch(self._loop, self._readable)
        worker.lane.workers.append(worker)
        self._dispatch()

    def _retire(self, worker: _Worker) -> None:
        """Stop using ``worker`` (on the loop's thread); a thread kills it and gives the pool a fresh one."""
        worker.lost = True
        worker.unwatch()
        if worker.lane is not None and worker in worker.lane.workers:
            worker.lane.workers.remove(worker)
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and give the pool a fresh one (runs in a thread: both steps block)."""
        with self._lock:
            member = worker in self._all  # not a process of run_apart's
            self._all.discard(worker)
        worker.kill()
        if member and not self._closed and self._loop is not None and worker.lane is not None:
            self.replaced += 1
            fresh = self._spawn(worker.lane)
            self._loop.call_soon_threadsafe(self._add, fresh)

    # ---- jobs ----------------------------------------------------------------------------------
    async def run(self, job: Job, timeout: float, *, client: str | None = None) -> Reply:
        """Run ``job`` on a worker within ``timeout`` seconds (waiting for a free thread included).

        ``client`` (by default the request's peer, :data:`~kg_builder.server.lanes.CLIENT`) takes
        turns with the other clients; LaneFull when the job is heavy and the heavy lane is full.
        """
        if self._loop is None:  # an app mounted in another app gets no lifespan of its own: start on first use
            self.start()
        loop = self._loop
        assert loop is not None
        shape = job_shape(job.action, job.params)
        lane = self.heavy if self.heavy.size and self.costs.heavy(shape) else self.light
        if lane is self.heavy and self._heavy_load() >= self.heavy.size + self.policy.heavy_queue:
            self.refused += 1
            raise LaneFull(self._retry_after())
        pending = _Pending(job, loop.create_future(), client=client or CLIENT.get(), shape=shape, lane=lane)
        pending.timer = loop.call_later(timeout, self._expire, pending)
        lane.waiting.push(pending.client, pending)
        self._dispatch()
        try:
            return await pending.answer
        except asyncio.CancelledError:
            self._drop(pending)  # the client went away: stop the work rather than let it run to the deadline
            raise

    def _heavy_load(self) -> int:
        """Heavy jobs running (over-budget light ones included) or waiting."""
        over = sum(1 for w in self.light.workers for p in w.running.values() if p.over)
        return self.heavy.running() + over + len(self.heavy.waiting)

    def _retry_after(self) -> int:
        """Seconds until the heavy lane has likely made room: its usual job time per place in line."""
        turns = (len(self.heavy.waiting) + 1) / max(1, self.heavy.size)
        return max(1, min(math.ceil(self._heavy_seconds * turns), 60))

    def _dispatch(self) -> None:
        """Hand waiting jobs, client after client, to the least busy workers of their lane with a free thread."""
        for lane in (self.light, self.heavy):
            while lane.waiting:
                worker = lane.free_worker()
                if worker is None:
                    break
                self._send(worker, lane.waiting.pop())

    def _send(self, worker: _Worker, pending: _Pending) -> None:
        assert self._loop is not None
        pending.job_id = next(self._ids)
        pending.worker = worker
        pending.sent = self._loop.time()
        worker.running[pending.job_id] = pending
        worker.used = pending.job_id
        try:
            worker.conn.send_bytes(dumps((pending.job_id, pending.job)))
        except OSError:  # it died before this job reached it: the job waits for the next worker
            del worker.running[pending.job_id]
            pending.worker = None
            self._requeue(pending)
            self._lose(worker)

    def _requeue(self, pending: _Pending) -> None:
        """Back to the front of its lane's queue (the heavy lane's, once it ran past the light budget)."""
        if pending.over and self.heavy.size:
            pending.lane, pending.over = self.heavy, False
        assert pending.lane is not None
        pending.lane.waiting.push(pending.client, pending, first=True)

    def _readable(self, worker: _Worker) -> None:
        """A worker's pipe has a message: the Reply to one of its jobs (or EOF: it died)."""
        try:
            message = pickle.loads(worker.conn.recv_bytes())
        except (EOFError, OSError):
            self._lose(worker)
            return
        if message[0] == 0:  # not an answer: the worker's report on leaving the network
            self.network = message[1].data
            if not self.network["offline"] and not self._warned:
                self._warned = True
                logging.getLogger("kg_builder.server").warning(
                    "query workers keep network access (%s): the SERVICE/LOAD refusal alone guards outbound "
                    "requests", self.network["why"])
            return
        if message[1] == OVER_BUDGET:
            self._over_budget(worker, message[0])
            return
        job_id, reply, cpu = message
        if reply.body_follows:
            # a large body comes as the next message: read it off the loop, and nothing else meanwhile
            assert self._loop is not None
            worker.unwatch()
            reading = self._loop.run_in_executor(None, worker.conn.recv_bytes)
            reading.add_done_callback(lambda done: self._body_read(worker, job_id, reply, cpu, done))
            return
        self._answer(worker, job_id, reply, cpu)

    def _body_read(self, worker: _Worker, job_id: int, reply: Reply, cpu: float, done: asyncio.Future) -> None:
        if worker.lost:
            return
        if done.exception() is not None:
            self._lose(worker)
            return
        reply.body, reply.body_follows = done.result(), False
        assert self._loop is not None
        worker.watch(self._loop, self._readable)
        self._answer(worker, job_id, reply, cpu)

    def _answer(self, worker: _Worker, job_id: int, reply: Reply, cpu: float) -> None:
        pending = worker.running.pop(job_id, None)
        if pending is not None:  # None: dropped meanwhile (its client went away)
            self.costs.note(pending.shape, cpu)
            if pending.over or pending.lane is self.heavy:
                assert self._loop is not None
                self._heavy_seconds = (self._heavy_seconds + self._loop.time() - pending.sent) / 2
            pending.worker = None
            if pending.timer is not None:
                pending.timer.cancel()
            if not pending.answer.done():
                pending.answer.set_result(reply)
        self._dispatch()

    def _over_budget(self, worker: _Worker, job_id: int) -> None:
        """A light job used its budget: its shape is heavy from now on; it runs on at low priority, counted
        against the heavy lane (and stopped, answered LaneFull, when that lane has no room for it)."""
        pending = worker.running.get(job_id)
        if pending is None or pending.over:
            return
        pending.over = True
        self.costs.over_budget(pending.shape)
        if self._heavy_load() - len(self.heavy.waiting) > self.heavy.size:
            self.refused += 1
            self._abandon(pending)
            self._fail(pending, LaneFull(self._retry_after()))
            return
        self._dispatch()  # its thread was replaced: the light lane has room again

    def _expire(self, pending: _Pending) -> None:
        """``pending`` reached its deadline: stop its work (PoolBusy if it never got a worker)."""
        running = pending.worker is not None
        self._abandon(pending)
        if running:
            self.killed += 1
            self.costs.over_budget(pending.shape)
        self._fail(pending, QueryTimeout() if running else PoolBusy())

    def _drop(self, pending: _Pending) -> None:
        """Nobody waits for ``pending`` any more: out of the queue, or its worker stopped ``_GRACE`` s later.

        A job that ends within the grace (most do) costs no worker; one still running then is stopped as a
        job past its deadline is (never later than its deadline), its worker's other reads sent again.
        """
        if pending.worker is None or pending.timer is None:
            self._abandon(pending)
            return
        assert self._loop is not None
        when = min(pending.timer.when(), self._loop.time() + _GRACE)
        pending.timer.cancel()
        pending.timer = self._loop.call_at(when, self._cut, pending)

    def _cut(self, pending: _Pending) -> None:
        if pending.worker is not None:  # still running: its answer would go nowhere
            self.cancelled += 1
            self._abandon(pending)

    def _abandon(self, pending: _Pending) -> None:
        """Forget ``pending``: out of the queue, or its worker killed (its other jobs are sent again)."""
        if pending.timer is not None:
            pending.timer.cancel()
        worker = pending.worker
        if worker is None:
            if pending.lane is not None:
                pending.lane.waiting.remove(pending.client, pending)
            return
        worker.running.pop(pending.job_id, None)
        pending.worker = None
        self._stop(worker)

    @staticmethod
    def _fail(pending: _Pending, error: Exception) -> None:
        if pending.timer is not None:
            pending.timer.cancel()
        if not pending.answer.done():
            pending.answer.set_exception(error)

    def _take_jobs(self, worker: _Worker) -> list[_Pending]:
        """Retire ``worker`` and hand back the jobs it was running, detached from it."""
        jobs = list(worker.running.values())
        worker.running.clear()
        self._retire(worker)
        for pending in jobs:
            pending.worker = None
        return jobs

    def _stop(self, worker: _Worker) -> None:
        """Kill ``worker``; its other jobs go to other workers first, each with its own deadline.

        Reads only: an update stopped half-way may or may not have made its new generation, so
        running it again could apply it twice; it fails instead.
        """
        for other in reversed(self._take_jobs(worker)):
            if other.answer.done():  # its client went away (it was in its grace): nothing to run again
                if other.timer is not None:
                    other.timer.cancel()
            elif other.job.action is not execute.update:
                self._requeue(other)
            else:
                self._fail(other, WorkerCrashed("stopped with another job that ran past its time limit"))
        self._dispatch()

    def _lose(self, worker: _Worker) -> None:
        """``worker`` died on its own: its jobs fail (one of them may be why), and a fresh one replaces it."""
        if worker.lost:
            return
        for pending in self._take_jobs(worker):
            self._fail(pending, WorkerCrashed("the worker process stopped"))
        self._dispatch()

    async def run_apart(self, job: Job, timeout: float) -> Reply:
        """Run a long housekeeping ``job`` (dataset statistics) on a process of its own, never a pool worker,
        at the heavy lane's priority."""
        if self._loop is None:  # an app mounted in another app gets no lifespan of its own: start on first use
            self.start()
        loop = self._loop
        assert loop is not None
        apart = Lane("apart", 1, 1, nice=self.policy.heavy_nice)
        worker = await loop.run_in_executor(None, _Worker, None, 1, apart, 0, self.offline)
        worker.watch(loop, self._readable)
        pending = _Pending(job, loop.create_future(), job_id=next(self._ids), worker=worker)
        pending.timer = loop.call_later(timeout, self._fail, pending, QueryTimeout())
        worker.running[pending.job_id] = pending
        try:
            worker.conn.send_bytes(dumps((pending.job_id, job)))
            return await pending.answer
        except OSError as exc:
            raise WorkerCrashed(str(exc) or "connection lost") from exc
        finally:
            pending.timer.cancel()
            worker.lost = True
            worker.unwatch()
            await loop.run_in_executor(None, worker.kill)

    def lanes(self) -> dict[str, int]:
        """The lanes' state, for /health: heavy queries running (over-budget light ones included) and
        waiting, those refused, and workers replaced after they died or were stopped."""
        return {"heavy_workers": self.heavy.size, "heavy_load": self._heavy_load(),
                "heavy_waiting": len(self.heavy.waiting), "light_waiting": len(self.light.waiting),
                "refused_heavy": self.refused, "replaced_workers": self.replaced}

    @property
    def idle(self) -> int:
        """Light workers running no job."""
        return sum(1 for w in self.light.workers if not w.running)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.lost = True
            worker.unwatch()
            worker.kill()
