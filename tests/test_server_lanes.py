"""Light work is not starved by heavy work: lanes, the CPU budget, fair turns per client, admission."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path

import httpx
import pytest
from pool_helpers import RUNAWAY, query_job, started_pool, store_generation

from kg_builder.server import execute
from kg_builder.server.lanes import CostMemory, FairQueue, LanePolicy, job_shape
from kg_builder.server.testing import LiveServer, write_store
from kg_builder.server.worker import Job, LaneFull, QueryTimeout

ASK = "ASK { ?s ?p ?o }"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread CPU clocks and nice values")


@pytest.fixture(scope="module")
def generation(tmp_path_factory) -> str:
    return store_generation(tmp_path_factory)


def run(scenario: Callable[[], Coroutine]) -> None:
    asyncio.run(scenario())


async def until(condition: Callable[[], object], seconds: float = 30.0) -> None:
    """Wait for ``condition`` (workers start and use CPU slowly on a loaded machine)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


# ---- the parts ------------------------------------------------------------------------------------
def test_a_shape_is_the_query_without_its_numbers_and_strings() -> None:
    def shape(text: str) -> str:
        return job_shape(execute.run_query, {"query": text})

    lookup = 'SELECT ?t WHERE { ?t <https://w3id.org/kg-builder/ontology#registryId> "NCT0001" } LIMIT 10'
    assert shape(lookup) == shape(lookup.replace("NCT0001", "NCT0999").replace("10", "5"))
    assert shape(lookup) == shape(lookup.replace('"NCT0001"', '"a title, not an id"'))
    one_trial = "CONSTRUCT WHERE { <https://w3id.org/kg-builder/id/trial/NCT10000001> ?p ?o }"
    assert shape(one_trial) == shape(one_trial.replace("NCT10000001", "NCT04512345"))
    year = "SELECT * { ?t <urn:start> ?d FILTER(YEAR(?d) <= 2015) }"
    assert shape(year) == shape(year.replace("2015", "2024"))
    assert shape(lookup) != shape(lookup.replace("?t <", "?t ?p . ?t <"))  # another pattern: another shape
    assert shape(lookup) != shape(lookup.replace("registryId", "title"))  # another predicate
    assert shape(lookup) != job_shape(execute.update, {"text": lookup})  # another action
    assert shape('SELECT * { ?s ?p "\ud800 a lone surrogate" }')  # any text has a shape
    # a named query is one shape whatever its parameters (they travel as substitutions, not in the text)
    assert job_shape(execute.run_query, {"query": lookup, "substitutions": {"nct": "A"}}) == \
        job_shape(execute.run_query, {"query": lookup, "substitutions": {"nct": "B"}})
    assert job_shape(execute.graph, {"graph": None}) != job_shape(execute.graph, {"graph": "urn:g"})


def test_clients_take_turns() -> None:
    queue = FairQueue()
    for item in ("a1", "a2", "a3"):
        queue.push("a", item)
    queue.push("b", "b1")
    queue.push("c", "c1")
    assert [queue.pop() for _ in range(3)] == ["a1", "b1", "c1"]
    queue.push("b", "b2")
    queue.push("c", "c2", first=True)  # sent again after its worker was stopped: ahead of everyone
    assert list(queue) == ["c2", "a2", "a3", "b2"] and len(queue) == 4
    assert queue.remove("a", "a3") and not queue.remove("a", "a3")
    assert [queue.pop() for _ in range(len(queue))] == ["c2", "a2", "b2"]


def test_costs_are_measured_per_shape_and_bounded() -> None:
    costs = CostMemory(0.25, size=3)
    costs.note("lookup", 0.01)
    assert not costs.heavy("lookup") and not costs.heavy("never seen")
    costs.note("group", 2.0)
    costs.note("group", 0.02)  # one cheap run (a warm cache) does not make it light
    assert costs.heavy("group")
    costs.note("about", 0.3)
    costs.note("about", 0.15)  # heavy stays heavy while a run costs over half the budget
    assert costs.heavy("about")
    costs.note("about", 0.05)  # then a cheap run brings it back
    assert not costs.heavy("about")
    costs.over_budget("lookup")  # ran past the budget once: heavy from now on
    assert costs.heavy("lookup")
    for shape in ("x", "y", "z"):
        costs.note(shape, 0.0)
    assert not costs.heavy("group")  # forgotten: the least recently used of more than three


# ---- the pool ------------------------------------------------------------------------------------------
@linux_only
def test_a_query_past_the_light_budget_moves_aside_and_its_shape_goes_to_the_heavy_lane(generation) -> None:
    policy = LanePolicy(heavy_workers=1, heavy_queue=2, light_budget=0.1)

    async def scenario() -> None:
        async with started_pool(generation, threads=1, policy=policy) as pool:
            runaway = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 60))
            (light,) = pool.light.workers
            await until(lambda: any(p.over for p in light.running.values()))
            (pending,) = light.running.values()
            assert pending.over and light.load == 0  # still running, but no longer holding the light thread
            assert _niceness(light.process.pid, over_budget=True) == policy.heavy_nice
            reply = await pool.run(query_job(generation, ASK), 30)  # the one light thread is free again
            assert reply.error is None and not runaway.done()  # answered while the runaway runs on
            assert pool.costs.heavy(job_shape(execute.run_query, {"query": RUNAWAY}))
            second = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 60))
            (heavy,) = pool.heavy.workers
            await until(lambda: heavy.running)
            assert len(heavy.running) == 1 and len(light.running) == 1  # known heavy: straight to the heavy lane
            assert _niceness(heavy.process.pid, over_budget=True) == policy.heavy_nice  # its thread's
            for task in (runaway, second):
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task

    run(scenario)


@linux_only
def test_a_light_worker_lives_on_after_a_query_that_went_past_the_budget_and_ended(generation) -> None:
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # a fraction of a second: past 0.05 s of CPU
    policy = LanePolicy(heavy_workers=1, heavy_queue=2, light_budget=0.05)

    async def scenario() -> None:
        async with started_pool(generation, threads=1, policy=policy) as pool:
            (light,) = pool.light.workers
            for _ in range(3):  # its thread leaves after each such job (it runs at low priority by then)
                reply = await pool.run(query_job(generation, slow), 60)
                assert reply.error is None
            assert pool.costs.heavy(job_shape(execute.run_query, {"query": slow}))  # it did go past the budget
            assert (await pool.run(query_job(generation, ASK), 30)).error is None
            assert pool.light.workers == [light] and not light.lost and light.process.is_alive()
            assert pool.replaced == 0

    run(scenario)


@linux_only
def test_a_named_query_keeps_full_priority_in_either_lane(generation) -> None:
    """A named query (a trusted job) past the light budget is not lowered, nor in the heavy lane, whose threads
    lower themselves for every other job, one job each: the thread after such a job is at full priority."""
    policy = LanePolicy(heavy_workers=1, heavy_queue=2, light_budget=0.05)
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # a fraction of a second

    def named() -> Job:
        job = query_job(generation, RUNAWAY)
        job.trusted = True
        return job

    async def busiest_thread_niceness(pid: int) -> int:
        """The niceness of the thread of ``pid`` that used the most CPU while it used 0.2 s (the query's)."""
        before, start = _threads(pid), _cpu_seconds(pid)
        await until(lambda: _cpu_seconds(pid) > start + 4 * policy.light_budget)
        after = _threads(pid)
        busiest = max(after, key=lambda tid: after[tid][0] - before.get(tid, (0, 0))[0])
        return after[busiest][1]

    async def scenario() -> None:
        async with started_pool(generation, threads=1, policy=policy) as pool:
            (light,) = pool.light.workers
            task = asyncio.ensure_future(pool.run(named(), 60))
            assert await busiest_thread_niceness(light.process.pid) == 0
            assert light.running and not any(p.over for p in light.running.values())
            task.cancel()
        async with started_pool(generation, threads=1, policy=policy) as pool:
            for text in (RUNAWAY, slow):
                pool.costs.over_budget(job_shape(execute.run_query, {"query": text}))  # known heavy
            (heavy,) = pool.heavy.workers
            assert (await pool.run(query_job(generation, slow), 60)).error is None  # ran lowered, in the heavy lane
            task = asyncio.ensure_future(pool.run(named(), 60))
            await until(lambda: heavy.running)
            assert await busiest_thread_niceness(heavy.process.pid) == 0
            task.cancel()

    run(scenario)


def _threads(pid: int) -> dict[str, tuple[int, int]]:
    """Each thread of ``pid``: its CPU clock ticks and its niceness."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        out[task.name] = (int(fields[11]) + int(fields[12]), int(fields[16]))
    return out


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime, the 14th and 15th


def test_a_heavy_query_finding_its_lane_full_is_refused_at_once(generation) -> None:
    policy = LanePolicy(heavy_workers=1, heavy_queue=1, light_budget=0.1)

    async def scenario() -> None:
        async with started_pool(generation, threads=1, policy=policy) as pool:
            pool.costs.over_budget(job_shape(execute.run_query, {"query": RUNAWAY}))  # measured heavy before
            running = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 60))
            waiting = asyncio.ensure_future(pool.run(query_job(generation, RUNAWAY), 60))
            await until(lambda: pool.heavy.running() == 1 and len(pool.heavy.waiting) == 1)
            with pytest.raises(LaneFull) as refused:
                await pool.run(query_job(generation, RUNAWAY.replace("?l", "?m")), 30)  # the same shape
            assert refused.value.retry_after >= 1 and pool.refused == 1
            assert not any(w.running for w in pool.light.workers)  # refused before it ran anywhere
            assert (await pool.run(query_job(generation, ASK), 30)).error is None  # light work goes on
            for task in (running, waiting):
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task

    run(scenario)


def test_the_deadline_still_stops_a_heavy_query_and_only_its_worker(generation) -> None:
    policy = LanePolicy(heavy_workers=1, heavy_queue=1, light_budget=0.1)

    async def scenario() -> None:
        async with started_pool(generation, threads=1, policy=policy) as pool:
            pool.costs.over_budget(job_shape(execute.run_query, {"query": RUNAWAY}))
            (light,), (heavy,) = pool.light.workers, pool.heavy.workers
            with pytest.raises(QueryTimeout):
                await pool.run(query_job(generation, RUNAWAY), 0.8)
            assert pool.killed == 1 and heavy.lost and not light.lost
            await until(lambda: heavy.process.exitcode is not None and pool.heavy.workers)
            assert pool.heavy.workers[0] is not heavy  # replaced

    run(scenario)


def test_a_client_with_many_waiting_jobs_does_not_hold_back_another(generation) -> None:
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
    finished: list[str] = []

    async def scenario() -> None:
        async with started_pool(generation, threads=1) as pool:  # one lane, one thread: everything waits its turn
            async def job(client: str, name: str, text: str = ASK) -> None:
                await pool.run(query_job(generation, text), 60, client=client)
                finished.append(name)

            first = asyncio.ensure_future(job("a", "a0", slow))
            await asyncio.sleep(0.05)
            burst = [asyncio.ensure_future(job("a", f"a{k}")) for k in range(1, 5)]
            await asyncio.sleep(0.05)
            other = asyncio.ensure_future(job("b", "b1"))
            await asyncio.gather(first, *burst, other)

    run(scenario)
    assert finished.index("b1") <= 2  # after a0 and at most one of a's burst, not after all four


# ---- over HTTP -------------------------------------------------------------------------------------------
def _niceness(pid: int, *, over_budget: bool = False) -> int:
    """The process's niceness, or (``over_budget``) the highest niceness among its threads."""
    values = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # the thread ended meanwhile (a serving thread leaves after an over-budget job)
            continue
        values.append(int(fields[16]))  # the 19th field of stat; two precede the ")"
    return max(values) if over_budget else int((Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split())[16])


@linux_only
def test_over_http_a_full_heavy_lane_answers_503_with_retry_after_while_lookups_are_answered(tmp_path) -> None:
    write_store(tmp_path, 30)
    with LiveServer(tmp_path, heavy_workers=1, heavy_queue=0, light_budget=0.1, timeout=20, workers=1,
                    threads=2) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        def ask(text: str) -> httpx.Response:
            return client.get("/sparql", params={"query": text}, headers={"Accept": "application/sparql-results+json"})

        import threading

        first: list[httpx.Response] = []
        runner = threading.Thread(target=lambda: first.append(ask(RUNAWAY)))
        runner.start()
        deadline = time.monotonic() + 30
        while client.get("/health").json()["lanes"]["heavy_load"] < 1:  # past the light budget: it runs on as
            assert time.monotonic() < deadline  # the heavy lane's one query
            time.sleep(0.1)
        refused = ask(RUNAWAY)
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"]["code"] == "heavy-lane-full"
        assert ask(ASK).status_code == 200 and runner.is_alive()  # a lookup is answered while the runaway runs
        runner.join()
        assert first[0].status_code == 503 and first[0].json()["error"]["code"] == "timeout"  # the deadline held
