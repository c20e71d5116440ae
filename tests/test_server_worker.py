"""The worker pool keeps its promises when workers die or requests go away, on both event loops the server may use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine

import pytest

from kg_builder.server.testing import write_store
from kg_builder.server.worker import Job, WorkerPool
from kg_builder.store import current_generation

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def query_job(generation: str, text: str) -> Job:
    return Job("run_query", generation, {"query": text, "formats": {"results": "json", "graph": "turtle"},
                                        "max_rows": 100})


@pytest.fixture(scope="module")
def generation(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("store")
    write_store(path, 30)
    found = current_generation(path)
    assert found is not None
    return str(found)


@pytest.fixture(params=["asyncio", "uvloop"])
def run_loop(request) -> Callable[[Coroutine], object]:
    if request.param == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        return uvloop.run
    return asyncio.run


def test_a_worker_that_died_while_idle_is_replaced_not_used(generation, run_loop) -> None:
    async def scenario() -> None:
        pool = WorkerPool(1, current=lambda: generation)
        pool.start()
        try:
            ask = query_job(generation, "ASK { ?s ?p ?o }")
            assert (await pool.run(ask, 30)).body == b'{"head":{},"boolean":true}'
            (victim,) = pool._all
            victim.process.kill()
            await asyncio.sleep(0.5)  # its pipe closes; the loop notices
            assert victim.lost
            reply = await pool.run(ask, 60)  # served by its replacement, not failed as a crash
            assert reply.error is None and victim not in pool._all and pool.size == 1
        finally:
            pool.close()

    run_loop(scenario())


def test_a_cancelled_request_stops_its_worker(generation, run_loop) -> None:
    async def scenario() -> None:
        pool = WorkerPool(1, current=lambda: generation)
        pool.start()
        try:
            task = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 30))
            await asyncio.sleep(0.5)
            (busy,) = pool._all
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            reply = await pool.run(query_job(generation, "ASK { ?s ?p ?o }"), 60)
            assert reply.error is None
            assert busy.process.exitcode is not None  # killed, not left running the abandoned query
        finally:
            pool.close()

    run_loop(scenario())
