"""The worker pool keeps its promises when workers die or requests go away, on both event loops the server may use."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine

import pytest
from pool_helpers import RUNAWAY, query_job, started_pool, store_generation
from pyoxigraph import Store

from kg_builder.server import execute
from kg_builder.server.testing import write_store
from kg_builder.server.worker import Job, PoolBusy, QueryTimeout, WorkerCrashed
from kg_builder.store.generations import current_generation


@pytest.fixture(scope="module")
def generation(tmp_path_factory) -> str:
    return store_generation(tmp_path_factory)


@pytest.fixture(params=["asyncio", "uvloop"])
def run_loop(request) -> Callable[[Coroutine], object]:
    if request.param == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        return uvloop.run
    return asyncio.run


def test_a_worker_that_died_while_idle_is_replaced_not_used(generation, run_loop) -> None:
    async def scenario() -> None:
        async with started_pool(generation, threads=4) as pool:
            ask = query_job(generation, "ASK { ?s ?p ?o }")
            assert (await pool.run(ask, 30)).body == b'{"head":{},"boolean":true}'
            (victim,) = pool._all
            victim.process.kill()
            await asyncio.sleep(0.5)  # its pipe closes; the loop notices
            assert victim.lost
            reply = await pool.run(ask, 60)  # served by its replacement, not failed as a crash
            assert reply.error is None and victim not in pool._all and pool.size == 1

    run_loop(scenario())


def test_a_cancelled_request_stops_its_worker(generation, run_loop) -> None:
    async def scenario() -> None:
        async with started_pool(generation, threads=4) as pool:
            task = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 30))
            await asyncio.sleep(0.5)
            (busy,) = pool._all
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            reply = await pool.run(query_job(generation, "ASK { ?s ?p ?o }"), 60)
            assert reply.error is None
            await until(lambda: busy.process.exitcode is not None)  # killed after the grace, not left running
            assert pool.cancelled == 1 and pool.killed == 0 and busy not in pool._all

    run_loop(scenario())


async def until(check: Callable[[], bool], bound: float = 20.0) -> None:
    """Wait (on the loop) until ``check()`` holds; fail after ``bound`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound
    while not check():
        assert loop.time() < deadline, "not seen in time"
        await asyncio.sleep(0.05)


def test_a_cancelled_request_runs_the_other_jobs_of_its_worker_again(generation, run_loop) -> None:
    """Stopping a worker for a job nobody waits for must not fail the jobs it was running beside it."""
    async def scenario() -> None:
        async with started_pool(generation, threads=2) as pool:
            runaway = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 30))
            await asyncio.sleep(0.1)
            innocent = asyncio.ensure_future(pool.run(query_job(generation, SLOW), 60))
            await asyncio.sleep(0.1)
            (first,) = pool._all
            assert len(first.running) == 2  # both on the one worker
            runaway.cancel()
            reply = await innocent  # run again on the replacement
            assert reply.error is None and slow_answer(generation) in reply.body
            assert pool.cancelled == 1 and first.process.exitcode is not None and first not in pool._all

    run_loop(scenario())


def test_a_cancelled_job_that_ends_within_the_grace_costs_no_worker(generation, run_loop) -> None:
    async def scenario() -> None:
        async with started_pool(generation, threads=4) as pool:
            (worker,) = pool._all
            # the worker answers once it has started (seconds on a loaded machine): the grace counts from then
            assert (await pool.run(query_job(generation, "ASK { ?s ?p ?o }"), 60)).error is None
            task = asyncio.ensure_future(pool.run(query_job(generation, "ASK { ?s ?p ?o }"), 30))
            await asyncio.sleep(0)  # sent to the worker
            assert len(worker.running) == 1
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await until(lambda: not worker.running)  # its answer came, and went nowhere
            await asyncio.sleep(1.0)  # past the grace
            assert pool.cancelled == 0 and pool._all == {worker} and worker.process.exitcode is None
            assert (await pool.run(query_job(generation, "ASK { ?s ?p ?o }"), 30)).error is None

    run_loop(scenario())


# finite but slow on the 30-study store: two unconstrained patterns times ten values, ~17 million rows
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . VALUES ?k { 0 1 2 3 4 5 6 7 8 9 } }"


def slow_answer(generation: str) -> bytes:
    """SLOW's count on ``generation``: ten times the square of its quads."""
    return str(10 * len(Store.read_only(generation)) ** 2).encode()


def test_a_worker_runs_several_jobs_at_once(generation, run_loop) -> None:
    async def scenario() -> None:
        async with started_pool(generation, threads=2) as pool:
            (worker,) = pool._all
            runaway = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 30))
            await until(lambda: worker.running)
            reply = await pool.run(query_job(generation, "ASK { ?s ?p ?o }"), 30)
            # answered beside the runaway, in the same process, the runaway still running (it never ends by itself)
            assert reply.error is None and len(worker.running) == 1 and not runaway.done()
            assert pool._all == {worker} and not worker.lost
            runaway.cancel()
            with pytest.raises(asyncio.CancelledError):
                await runaway

    run_loop(scenario())


def test_a_timeout_runs_the_other_jobs_of_its_worker_again(generation, run_loop) -> None:
    """Killing a worker for one job's deadline must not fail the jobs it was running beside it."""
    async def scenario() -> None:
        async with started_pool(generation, threads=2) as pool:
            runaway = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 0.7))
            await asyncio.sleep(0.1)
            innocent = asyncio.ensure_future(pool.run(query_job(generation, SLOW), 60))
            await asyncio.sleep(0.1)
            (first,) = pool._all
            assert len(first.running) == 2  # both on the one worker
            with pytest.raises(QueryTimeout):
                await runaway
            reply = await innocent  # run again on the replacement, within its own deadline
            assert reply.error is None and slow_answer(generation) in reply.body
            assert pool.killed == 1 and first.process.exitcode is not None and first not in pool._all

    run_loop(scenario())


def test_jobs_of_a_crashed_worker_fail_and_later_ones_go_to_its_replacement(generation, run_loop) -> None:
    async def scenario() -> None:
        async with started_pool(generation, threads=2) as pool:
            running = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 30))
            await asyncio.sleep(0.5)
            (victim,) = pool._all
            victim.process.kill()  # as the kernel's OOM killer would
            with pytest.raises(WorkerCrashed):
                await running  # one of its jobs may be why it died: not run again
            reply = await pool.run(query_job(generation, "ASK { ?s ?p ?o }"), 60)
            assert reply.error is None and victim not in pool._all

    run_loop(scenario())


def test_a_job_that_never_gets_a_free_thread_is_refused_as_busy(generation, run_loop) -> None:
    async def scenario() -> None:
        async with started_pool(generation, threads=1) as pool:
            runaway = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 30))
            await asyncio.sleep(0.3)
            with pytest.raises(PoolBusy):
                await pool.run(query_job(generation, "ASK { ?s ?p ?o }"), 0.5)
            assert pool.killed == 0  # waiting past the deadline stops nothing
            runaway.cancel()
            with pytest.raises(asyncio.CancelledError):
                await runaway

    run_loop(scenario())


def test_an_update_stopped_with_another_job_fails_rather_than_run_twice(tmp_path, run_loop) -> None:
    write_store(tmp_path, 30)
    generation = str(current_generation(tmp_path))
    # an update reads the default graph, empty here: the slow count spans the named graphs instead
    slow_update = ("INSERT { <urn:kg-builder:test> <urn:kg-builder:count> ?n } WHERE { { SELECT (COUNT(*) AS ?n) "
                   "WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } VALUES ?k { 0 1 2 3 4 5 6 7 8 9 } } } }")

    async def scenario() -> None:
        async with started_pool(generation, threads=2) as pool:
            update = asyncio.ensure_future(
                pool.run(Job(execute.update, None, {"store_path": str(tmp_path), "text": slow_update}), 60))
            await asyncio.sleep(0.2)
            with pytest.raises(QueryTimeout):
                await pool.run(query_job(generation, RUNAWAY), 0.5)
            with pytest.raises(WorkerCrashed, match="another job"):
                await update  # it may or may not have made its generation: the client is told, not served twice

    run_loop(scenario())


def test_large_answers_come_whole_and_to_the_right_job(generation, run_loop) -> None:
    """Bodies past the inline size travel as a message of their own, while other jobs answer on the same pipe."""
    big = "SELECT ?s ?p ?o ?copy WHERE { ?s ?p ?o . VALUES ?copy { 1 2 3 } }"

    def job(text: str) -> Job:
        return Job(execute.run_query, generation, {"query": text, "formats": {"results": "json", "graph": "turtle"},
                                             "max_rows": 0, "union": True})

    async def scenario() -> None:
        async with started_pool(generation, threads=3) as pool:
            counted = await pool.run(job("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), 60)
            triples = int(json.loads(counted.body)["results"]["bindings"][0]["n"]["value"])
            jobs = [job(big) if i % 2 else job(f'SELECT ?n WHERE {{ VALUES ?n {{ "small {i}" }} }}') for i in range(12)]
            replies = await asyncio.gather(*(pool.run(j, 60) for j in jobs))
            for i, reply in enumerate(replies):
                rows = json.loads(reply.body)["results"]["bindings"]
                if i % 2:
                    assert len(reply.body) > 256 * 1024 and len(rows) == 3 * triples
                else:
                    assert rows == [{"n": {"type": "literal", "value": f"small {i}"}}]

    run_loop(scenario())
