"""Query workers: separate processes, so that a time limit really stops the work.

pyoxigraph cannot cancel a running query, and a thread cannot be killed; a process
can. Each worker process runs several jobs at once, one per thread (pyoxigraph
releases the GIL while it evaluates, so concurrent queries share the process's store
and its caches, as a multi-threaded SPARQL server does). A job past its deadline gets
its worker killed (SIGKILL) and answers 503; the other jobs that worker was running
did nothing wrong: they are sent again to another worker with the time they have left
(they only read). A fresh worker takes the killed one's place. A job whose request is
cancelled (its client went away) is stopped the same way, after a short grace.

Each job names the store generation the server considers current; a worker reopens
its read-only store when that changes, so a rebuild is picked up between queries and
no query ever sees a half-built graph (generations are complete before the swap).

Messages on a worker's pipe are pickles of ``(job id, Job)`` one way and ``(job id,
Reply)`` the other, a large reply body following its Reply as a message of its own.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from kg_builder.errors import ServiceError
from kg_builder.server import execute
from kg_builder.server.execute import Reply

# spawn, not fork: the server process has threads (and RocksDB state) a fork would copy half-way
_CONTEXT = multiprocessing.get_context("spawn")
_INLINE_BODY = 256 * 1024  # larger bodies are sent separately, so the server reads them off its event loop
_GRACE = 0.5  # seconds a job whose client went away may still end by itself before its worker is stopped


def _dumps(message: object) -> bytes:
    # plain pickle, not Connection.send's: its ForkingPickler copies the copyreg table on every message, and
    # jobs and replies hold nothing (sockets, fds) that needs its reducers
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass(slots=True)
class Job:
    action: Callable[..., Reply]  # a function of kg_builder.server.execute (pickled by reference)
    generation: str | None  # the generation directory to read, None for writes
    params: dict


class QueryTimeout(ServiceError):
    """The job ran past its deadline; its worker was killed."""

    def __init__(self, message: str = "the query ran past its time limit") -> None:
        super().__init__(message)


class PoolBusy(ServiceError):
    """No worker became free before the deadline."""

    def __init__(self, message: str = "every query worker stayed busy") -> None:
        super().__init__(message)


class WorkerCrashed(ServiceError):
    """The worker died while running the job (out of memory, a crash in the store)."""


REMOTE = "remote:"  # a "generation" naming an external SPARQL endpoint (serve --backend URL)


def open_generation(generation: str):
    """The store a job reads: an on-disk generation, or an external endpoint (``remote:URL``)."""
    if generation.startswith(REMOTE):
        from kg_builder.remote.endpoint import RemoteStore

        return RemoteStore(generation[len(REMOTE):])
    from pyoxigraph import Store

    return Store.read_only(generation)


class _OpenStore:
    """The worker's store, shared by its threads and reopened when a job names another generation."""

    def __init__(self, generation: str | None) -> None:
        self._lock = threading.Lock()
        self._store = None
        self._opened: str | None = None
        if generation is not None:
            # open ahead, so that the first query after a (re)start does not pay for it; a failure shows later
            with contextlib.suppress(Exception):
                self._store, self._opened = open_generation(generation), generation

    def get(self, generation: str):
        with self._lock:
            if generation != self._opened or self._store is None:
                self._store, self._opened = None, None
                self._store, self._opened = open_generation(generation), generation
            return self._store

    def forget(self) -> None:
        with self._lock:
            self._store, self._opened = None, None


def _run_job(job: Job, stores: _OpenStore) -> Reply:
    try:
        if job.action is execute.update:
            stores.forget()  # a write makes a new generation; read it afresh next time
            return execute.update(**job.params)
        return job.action(stores.get(job.generation), **job.params)
    except Exception as exc:  # a bug in one job must not take the worker down
        return Reply.failure(500, "internal-error", f"{type(exc).__name__}: {exc}")


def _worker_main(conn: Connection, generation: str | None, threads: int, offline: bool = False) -> None:
    """The worker: ``threads`` threads take turns reading the pipe, and each runs the job it read.

    The thread that reads a job runs it itself (no hand-over to another thread: one wake-up
    per job), while the next idle thread waits for the next job. ``offline``: first leave the
    network (:mod:`kg_builder.server.sandbox`), before any thread exists, and say how that went
    in a message of job id 0.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle: it stops its workers
    if offline:
        from kg_builder.server.sandbox import cut_network

        conn.send_bytes(_dumps((0, Reply(data={"offline": (why := cut_network()) is None, "why": why}))))
    stores = _OpenStore(generation)
    receiving, sending = threading.Lock(), threading.Lock()

    def serve() -> None:
        while True:
            with receiving:
                try:
                    message = conn.recv_bytes()
                except (EOFError, OSError):
                    os._exit(0)  # the server is gone: so are the jobs
            job_id, job = pickle.loads(message)
            reply = _run_job(job, stores)
            body = None
            if len(reply.body) > _INLINE_BODY:
                body, reply.body, reply.body_follows = reply.body, b"", True
            try:
                with sending:
                    conn.send_bytes(_dumps((job_id, reply)))
                    if body is not None:
                        conn.send_bytes(body)
            except OSError:
                os._exit(0)

    for _ in range(threads - 1):
        threading.Thread(target=serve, daemon=True, name="kg-builder-query").start()
    serve()


@dataclass(eq=False, slots=True)
class _Pending:
    """A job between :meth:`WorkerPool.run` and its Reply: queued, or running on ``worker``."""

    job: Job
    answer: asyncio.Future[Reply]
    job_id: int = 0
    worker: _Worker | None = None
    timer: asyncio.TimerHandle | None = None


class _Worker:
    def __init__(self, generation: str | None = None, threads: int = 1, offline: bool = False) -> None:
        self.conn, child = _CONTEXT.Pipe(duplex=True)
        self.process = _CONTEXT.Process(target=_worker_main, args=(child, generation, threads, offline),
                                        daemon=True, name="kg-builder-query-worker")
        self.process.start()
        child.close()
        self.running: dict[int, _Pending] = {}  # job id → the job this worker is running
        self.used = 0  # when it last got a job (the pool's counter): the warmest caches go first
        self.watched: asyncio.AbstractEventLoop | None = None
        self.lost = False  # its pipe closed (it died), or it was killed: never give it another job

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
    """A fixed number of worker processes, each running up to ``threads`` jobs at once.

    Used from the server's event loop: jobs wait for their answers as futures resolved by a
    reader callback on each worker's pipe (no thread per waiting request), so many slow
    queries never hold up the loop. A job goes to the least busy worker (the most recently
    used among equals); when every worker is full it waits, in order, until its deadline.
    """

    def __init__(self, size: int, current: Callable[[], str | None] = lambda: None, *, threads: int = 4,
                 offline: bool = False) -> None:
        self.size = max(1, size)
        self.threads = max(1, threads)
        self.offline = offline  # workers leave the network (kg_builder.server.sandbox)
        self.network: dict | None = None  # the last worker's report on that
        self._current = current  # the generation a new worker opens ahead of its first job
        self._workers: list[_Worker] = []  # the ones jobs may go to
        self._waiting: collections.deque[_Pending] = collections.deque()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.killed = 0  # workers killed for running past their deadline (for /health)
        self.cancelled = 0  # workers killed for a job nobody waited for any more (for /health)
        self._warned = False

    def start(self) -> None:
        """Start the workers; call from the event loop that will use the pool."""
        self._loop = asyncio.get_running_loop()
        for _ in range(self.size):
            self._add(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(self._current(), self.threads, self.offline)
        with self._lock:
            self._all.add(worker)
        return worker

    def _add(self, worker: _Worker) -> None:
        """Put a new worker to use (on the loop's thread)."""
        assert self._loop is not None
        if self._closed:
            worker.kill()  # spawned by a replacement that raced with close()
            return
        worker.watch(self._loop, self._readable)
        self._workers.append(worker)
        self._dispatch()

    def _retire(self, worker: _Worker) -> None:
        """Stop using ``worker`` (on the loop's thread); a thread kills it and gives the pool a fresh one."""
        worker.lost = True
        worker.unwatch()
        if worker in self._workers:
            self._workers.remove(worker)
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and give the pool a fresh one (runs in a thread: both steps block)."""
        with self._lock:
            member = worker in self._all  # not a process of run_apart's
            self._all.discard(worker)
        worker.kill()
        if member and not self._closed and self._loop is not None:
            fresh = self._spawn()
            self._loop.call_soon_threadsafe(self._add, fresh)

    # ---- jobs ----------------------------------------------------------------------------------
    async def run(self, job: Job, timeout: float) -> Reply:
        """Run ``job`` on a worker within ``timeout`` seconds (waiting for a free thread included)."""
        if self._loop is None:  # an app mounted in another app gets no lifespan of its own: start on first use
            self.start()
        loop = self._loop
        assert loop is not None
        pending = _Pending(job, loop.create_future())
        pending.timer = loop.call_later(timeout, self._expire, pending)
        self._waiting.append(pending)
        self._dispatch()
        try:
            return await pending.answer
        except asyncio.CancelledError:
            self._drop(pending)  # the client went away: stop the work rather than let it run to the deadline
            raise

    def _dispatch(self) -> None:
        """Hand waiting jobs, oldest first, to the least busy workers with a free thread."""
        while self._waiting:
            free = [w for w in self._workers if len(w.running) < self.threads and not w.lost]
            if not free:
                return
            worker = min(free, key=lambda w: (len(w.running), -w.used))
            pending = self._waiting.popleft()
            self._send(worker, pending)

    def _send(self, worker: _Worker, pending: _Pending) -> None:
        pending.job_id = next(self._ids)
        pending.worker = worker
        worker.running[pending.job_id] = pending
        worker.used = pending.job_id
        try:
            worker.conn.send_bytes(_dumps((pending.job_id, pending.job)))
        except OSError:  # it died before this job reached it: the job waits for the next worker
            del worker.running[pending.job_id]
            pending.worker = None
            self._waiting.appendleft(pending)
            self._lose(worker)

    def _readable(self, worker: _Worker) -> None:
        """A worker's pipe has a message: the Reply to one of its jobs (or EOF: it died)."""
        try:
            job_id, reply = pickle.loads(worker.conn.recv_bytes())
        except (EOFError, OSError):
            self._lose(worker)
            return
        if job_id == 0:  # not an answer: the worker's report on leaving the network
            self.network = reply.data
            if not reply.data["offline"] and not self._warned:
                self._warned = True
                logging.getLogger("kg_builder.server").warning(
                    "query workers keep network access (%s): the SERVICE/LOAD refusal alone guards outbound "
                    "requests", reply.data["why"])
            return
        if reply.body_follows:
            # a large body comes as the next message: read it off the loop, and nothing else meanwhile
            assert self._loop is not None
            worker.unwatch()
            reading = self._loop.run_in_executor(None, worker.conn.recv_bytes)
            reading.add_done_callback(lambda done: self._body_read(worker, job_id, reply, done))
            return
        self._answer(worker, job_id, reply)

    def _body_read(self, worker: _Worker, job_id: int, reply: Reply, done: asyncio.Future) -> None:
        if worker.lost:
            return
        if done.exception() is not None:
            self._lose(worker)
            return
        reply.body, reply.body_follows = done.result(), False
        assert self._loop is not None
        worker.watch(self._loop, self._readable)
        self._answer(worker, job_id, reply)

    def _answer(self, worker: _Worker, job_id: int, reply: Reply) -> None:
        pending = worker.running.pop(job_id, None)
        if pending is not None:  # None: dropped meanwhile (its client went away)
            pending.worker = None
            if pending.timer is not None:
                pending.timer.cancel()
            if not pending.answer.done():
                pending.answer.set_result(reply)
        self._dispatch()

    def _expire(self, pending: _Pending) -> None:
        """``pending`` reached its deadline: stop its work (PoolBusy if it never got a worker)."""
        running = pending.worker is not None
        self._abandon(pending)
        if running:
            self.killed += 1
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
            if pending in self._waiting:
                self._waiting.remove(pending)
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
                self._waiting.appendleft(other)
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
        """Run a long housekeeping ``job`` (dataset statistics) on a process of its own, never a pool worker."""
        if self._loop is None:  # an app mounted in another app gets no lifespan of its own: start on first use
            self.start()
        loop = self._loop
        assert loop is not None
        worker = await loop.run_in_executor(None, _Worker, None, 1, self.offline)
        worker.watch(loop, self._readable)
        pending = _Pending(job, loop.create_future(), job_id=next(self._ids), worker=worker)
        pending.timer = loop.call_later(timeout, self._fail, pending, QueryTimeout())
        worker.running[pending.job_id] = pending
        try:
            worker.conn.send_bytes(_dumps((pending.job_id, job)))
            return await pending.answer
        except OSError as exc:
            raise WorkerCrashed(str(exc) or "connection lost") from exc
        finally:
            pending.timer.cancel()
            worker.lost = True
            worker.unwatch()
            await loop.run_in_executor(None, worker.kill)

    @property
    def idle(self) -> int:
        """Workers running no job."""
        return sum(1 for w in self._workers if not w.running)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.lost = True
            worker.unwatch()
            worker.kill()
