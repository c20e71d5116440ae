"""Query workers: separate processes, so that a time limit really stops the work.

pyoxigraph cannot cancel a running query, and a thread cannot be killed; a process
can. Each request borrows one idle worker, sends it a job and waits on the pipe until
the deadline. Past it, the worker is killed (SIGKILL) and a fresh one takes its place
while the request answers 503; the other workers keep serving.

Each job names the store generation the server considers current; a worker reopens
its read-only store when that changes, so a rebuild is picked up between queries and
no query ever sees a half-built graph (generations are complete before the swap).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from kg_builder.server.execute import Reply

# spawn, not fork: the server process has threads (and RocksDB state) a fork would copy half-way
_CONTEXT = multiprocessing.get_context("spawn")
_INLINE_BODY = 256 * 1024  # larger bodies are sent separately, so the server reads them off its event loop


def _dumps(message: object) -> bytes:
    # plain pickle, not Connection.send's: its ForkingPickler copies the copyreg table on every message, and
    # jobs and replies hold nothing (sockets, fds) that needs its reducers
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass(slots=True)
class Job:
    action: str  # a function name of kg_builder.server.execute
    generation: str | None  # the generation directory to read, None for writes
    params: dict


class QueryTimeout(Exception):
    """The job ran past its deadline; its worker was killed."""


class PoolBusy(Exception):
    """No worker became free before the deadline."""


class WorkerCrashed(Exception):
    """The worker died while running the job (out of memory, a crash in the store)."""


REMOTE = "remote:"  # a "generation" naming an external SPARQL endpoint (serve --backend URL)


def open_generation(generation: str):
    """The store a job reads: an on-disk generation, or an external endpoint (``remote:URL``)."""
    if generation.startswith(REMOTE):
        from kg_builder.remote_store import RemoteStore

        return RemoteStore(generation[len(REMOTE):])
    from pyoxigraph import Store

    return Store.read_only(generation)


def _worker_main(conn: Connection, generation: str | None) -> None:
    """The worker's loop: receive a job, run it against the right generation, send the Reply."""
    from kg_builder.server import execute

    store = None
    opened: str | None = None
    if generation is not None:
        try:  # open ahead, so that the first query after a (re)start does not pay for it
            store, opened = open_generation(generation), generation
        except Exception:
            store, opened = None, None
    while True:
        try:
            job: Job = pickle.loads(conn.recv_bytes())
        except (EOFError, KeyboardInterrupt):
            return
        try:
            if job.action == "update":
                store, opened = None, None  # a write makes a new generation; read it afresh next time
                reply = execute.update(**job.params)
            else:
                if job.generation != opened or store is None:
                    store, opened = None, None
                    store = open_generation(job.generation)
                    opened = job.generation
                reply = getattr(execute, job.action)(store, **job.params)
        except Exception as exc:  # a bug in one job must not take the worker down
            reply = Reply.failure(500, "internal-error", f"{type(exc).__name__}: {exc}")
        if len(reply.body) > _INLINE_BODY:
            body, reply.body, reply.body_follows = reply.body, b"", True
            conn.send_bytes(_dumps(reply))
            conn.send_bytes(body)
        else:
            conn.send_bytes(_dumps(reply))


class _Worker:
    def __init__(self, generation: str | None = None) -> None:
        self.conn, child = _CONTEXT.Pipe(duplex=True)
        self.process = _CONTEXT.Process(target=_worker_main, args=(child, generation), daemon=True,
                                        name="kg-builder-query-worker")
        self.process.start()
        child.close()
        self.pending: asyncio.Future[bool] | None = None  # resolved when the job's answer can be read
        self.watched: asyncio.AbstractEventLoop | None = None
        self.lost = False  # its pipe turned readable with no job out: it died (or a stray answer came)

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the pipe for the whole life of the worker: one registration, not one per job."""
        fd = self.conn.fileno()
        loop.add_reader(fd, self._readable)
        os.set_blocking(fd, True)  # uvloop makes a watched fd non-blocking; recv expects blocking
        self.watched = loop

    def unwatch(self) -> None:
        if self.watched is not None:
            self.watched.remove_reader(self.conn.fileno())
            self.watched = None

    def _readable(self) -> None:
        pending = self.pending
        if pending is None:
            # nothing asked: the pipe is at EOF or holds an answer nobody awaits; stop watching, or the
            # level-triggered poll would call back forever
            self.lost = True
            self.unwatch()
        elif not pending.done():
            pending.set_result(True)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


def _expire(ready: asyncio.Future[bool]) -> None:
    if not ready.done():
        ready.set_result(False)


class WorkerPool:
    """A fixed number of worker processes; :meth:`run` borrows one for a job.

    Used from the server's event loop: waiting for a worker and for its answer are
    awaits on the pipe (no thread per waiting request), so many slow queries never
    hold up the loop. Each worker's pipe is watched for its whole life and the deadline
    is a timer, so a job costs a write, a wake-up and a read, and little else.
    """

    def __init__(self, size: int, current: Callable[[], str | None] = lambda: None) -> None:
        self.size = max(1, size)
        self._current = current  # the generation a new worker opens ahead of its first job
        self._idle: asyncio.LifoQueue[_Worker] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.killed = 0  # workers killed for running past their deadline (for /health)

    def start(self) -> None:
        """Start the workers; call from the event loop that will use the pool."""
        self._loop = asyncio.get_running_loop()
        self._idle = asyncio.LifoQueue()  # the last worker used first: its caches are the warmest
        for _ in range(self.size):
            self._add_idle(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(self._current())
        with self._lock:
            self._all.add(worker)
        return worker

    def _add_idle(self, worker: _Worker) -> None:
        """Put a new worker to use (on the loop's thread)."""
        assert self._loop is not None and self._idle is not None
        if self._closed:
            worker.kill()  # spawned by a replacement that raced with close()
            return
        worker.watch(self._loop)
        self._idle.put_nowait(worker)

    def _retire(self, worker: _Worker) -> None:
        """Stop using ``worker`` (on the loop's thread); a thread kills it and gives the pool a fresh one."""
        worker.unwatch()
        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and give the pool a fresh one (runs in a thread: both steps block)."""
        with self._lock:
            self._all.discard(worker)
        worker.kill()
        if not self._closed and self._loop is not None:
            fresh = self._spawn()
            self._loop.call_soon_threadsafe(self._add_idle, fresh)

    async def _borrow(self, timeout: float) -> _Worker:
        assert self._idle is not None
        while True:
            try:
                worker = self._idle.get_nowait()  # the usual case: no task, no timer
            except asyncio.QueueEmpty:
                try:
                    worker = await asyncio.wait_for(self._idle.get(), timeout)
                except TimeoutError as exc:
                    raise PoolBusy from exc
            if not worker.lost:
                return worker
            self._retire(worker)  # it died while idle: replace it and take the next one

    async def run(self, job: Job, timeout: float) -> Reply:
        """Run ``job`` on a free worker within ``timeout`` seconds (waiting for one included)."""
        assert self._idle is not None and self._loop is not None, "start() the pool first"
        loop = self._loop
        deadline = loop.time() + timeout
        worker = await self._borrow(timeout)
        if deadline - loop.time() < 0.01:
            self._idle.put_nowait(worker)  # the wait used the whole budget: nothing ran, nothing to kill
            raise PoolBusy
        try:
            reply = await self._exchange(worker, job, deadline)
        except QueryTimeout:
            self.killed += 1
            self._retire(worker)  # the client gets its 503 without waiting for the kill and the respawn
            raise
        except (WorkerCrashed, asyncio.CancelledError):
            self._retire(worker)  # a cancelled request's worker may be busy for long: stop it too
            raise
        self._idle.put_nowait(worker)
        return reply

    async def run_apart(self, job: Job, timeout: float) -> Reply:
        """Run a long housekeeping ``job`` (dataset statistics) on a process of its own, never a pool worker."""
        assert self._loop is not None, "start() the pool first"
        loop = self._loop
        worker = await loop.run_in_executor(None, _Worker)
        worker.watch(loop)
        try:
            return await self._exchange(worker, job, loop.time() + timeout)
        finally:
            worker.unwatch()
            await loop.run_in_executor(None, worker.kill)

    async def _exchange(self, worker: _Worker, job: Job, deadline: float) -> Reply:
        """Send ``job`` and await the Reply until ``deadline`` (QueryTimeout) without blocking the loop."""
        loop = self._loop
        assert loop is not None
        ready = worker.pending = loop.create_future()
        timer = loop.call_at(deadline, _expire, ready)
        try:
            worker.conn.send_bytes(_dumps(job))
            if not await ready:
                raise QueryTimeout
            reply: Reply = pickle.loads(worker.conn.recv_bytes())
            if reply.body_follows:
                # a large body comes as its own message: read it off the loop
                reply.body = await loop.run_in_executor(None, worker.conn.recv_bytes)
                reply.body_follows = False
        except (EOFError, OSError) as exc:
            raise WorkerCrashed(str(exc) or "connection lost") from exc
        finally:
            timer.cancel()
            worker.pending = None
        return reply

    @property
    def idle(self) -> int:
        return self._idle.qsize() if self._idle is not None else 0

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.unwatch()
            worker.kill()
