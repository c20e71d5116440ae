"""The query worker process: its store, and the threads that run the jobs it is sent.

See :mod:`kg_builder.server.worker` for the pool on the server's side. Messages on the
pipe are pickles of ``(job id, Job)`` one way and ``(job id, Reply, CPU seconds)`` the
other, a large reply body following its Reply as a message of its own; a light-lane worker
also sends ``(job id, OVER_BUDGET)`` when a job passes its CPU budget, and a worker that left
the network says how that went as job id 0.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import threading
import time
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from kg_builder.server import execute
from kg_builder.server.execute import Reply
from kg_builder.server.lanes import CAN_WATCH, OVER_BUDGET, BudgetWatch

if TYPE_CHECKING:
    from kg_builder.server.jobs import Job

_INLINE_BODY = 256 * 1024  # larger bodies are sent separately, so the server reads them off its event loop


def dumps(message: object) -> bytes:
    # plain pickle, not Connection.send's: its ForkingPickler copies the copyreg table on every message, and
    # jobs and replies hold nothing (sockets, fds) that needs its reducers
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


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


def worker_main(conn: Connection, generation: str | None, threads: int, offline: bool = False, nice: int = 0,
                budget: float = 0.0, over_nice: int = 0) -> None:
    """The worker: ``threads`` threads take turns reading the pipe, and each runs the job it read.

    The thread that reads a job runs it itself (no hand-over to another thread: one wake-up
    per job), while the next idle thread waits for the next job. ``offline``: first leave the
    network (:mod:`kg_builder.server.sandbox`), before any thread exists, and say how that went
    in a message of job id 0. ``nice``: the CPU priority of the jobs it runs, but for a trusted
    one (a named query, :class:`~kg_builder.server.jobs.Job`), which runs at full priority: the
    thread that reads a job lowers its own priority and leaves once the job is done (Linux keeps
    a nice value per thread; elsewhere the whole process is lowered before any thread exists, and
    so is every job). ``budget``: CPU seconds a job that is not trusted runs at full priority
    before its thread goes to ``over_nice`` (:class:`~kg_builder.server.lanes.BudgetWatch`).
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle: it stops its workers
    if offline:
        from kg_builder.server.sandbox import cut_network

        conn.send_bytes(dumps((0, Reply(data={"offline": (why := cut_network()) is None, "why": why}), 0.0)))
    if nice and not CAN_WATCH:
        with contextlib.suppress(OSError):
            os.nice(nice)
        nice = 0
    stores = _OpenStore(generation)
    receiving, sending = threading.Lock(), threading.Lock()
    replace: queue.SimpleQueue = queue.SimpleQueue()  # a lowered thread is leaving: the main thread starts another

    def send(*messages: bytes) -> None:
        try:
            with sending:
                for message in messages:
                    conn.send_bytes(message)
        except OSError:
            os._exit(0)

    def serve() -> None:
        while True:
            with receiving:
                try:
                    message = conn.recv_bytes()
                except (EOFError, OSError):
                    os._exit(0)  # the server is gone: so are the jobs
            job_id, job = pickle.loads(message)
            lowered = bool(nice) and not job.trusted
            if lowered:
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
            started = time.thread_time()
            watched = watch is not None and not job.trusted
            if watched:
                watch.begin(job_id)
            reply = _run_job(job, stores)
            over = watched and watch.end(job_id)
            cpu = time.thread_time() - started
            body = None
            if len(reply.body) > _INLINE_BODY:
                body, reply.body, reply.body_follows = reply.body, b"", True
            send(dumps((job_id, reply, cpu)), *(() if body is None else (body,)))
            if lowered and not over:  # (past the budget, the watch has started one already)
                # this thread cannot raise its priority again: a fresh one takes its place, started by the main
                # thread (a thread starts at the priority of the one that starts it)
                replace.put(None)
            if over or lowered:
                return  # this thread runs at low priority now: a fresh one has taken its place

    def spawn() -> None:
        threading.Thread(target=serve, daemon=True, name="kg-builder-query").start()

    watch = BudgetWatch(budget, over_nice, lambda job_id: send(dumps((job_id, OVER_BUDGET))), spawn) \
        if budget and CAN_WATCH else None
    if watch is None and not nice:
        for _ in range(threads - 1):
            spawn()
        serve()
        return
    # a serving thread leaves after a job past the budget or at lowered priority: were it the main thread, the
    # process would end with it (and every job it runs); here the main thread only starts the threads that
    # replace lowered ones, and the serving threads exit the process (os._exit) when the server closes the pipe
    for _ in range(threads):
        spawn()
    while True:
        replace.get()
        spawn()


