"""What the worker-pool tests share: a runaway query, a query job, a test store's generation and a started pool."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from kg_builder.server import execute
from kg_builder.server.lanes import LanePolicy
from kg_builder.server.testing import write_store
from kg_builder.server.worker import Job, WorkerPool
from kg_builder.store.generations import current_generation

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def query_job(generation: str, text: str) -> Job:
    return Job(execute.run_query, generation, {"query": text, "formats": {"results": "json", "graph": "turtle"},
                                              "max_rows": 100})


def store_generation(tmp_path_factory) -> str:
    """A 30-study test store's current generation, for a module-scoped ``generation`` fixture."""
    path = tmp_path_factory.mktemp("store")
    write_store(path, 30)
    found = current_generation(path)
    assert found is not None
    return str(found)


@contextlib.asynccontextmanager
async def started_pool(generation: str, *, threads: int, workers: int = 1,
                       policy: LanePolicy | None = None) -> AsyncIterator[WorkerPool]:
    """A pool on ``generation``, started on the running loop and closed afterwards."""
    pool = WorkerPool(workers, current=lambda: generation, threads=threads, policy=policy)
    pool.start()
    try:
        yield pool
    finally:
        pool.close()
