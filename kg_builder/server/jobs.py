"""A query job and the ways it can fail to get an answer (see :mod:`kg_builder.server.worker`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kg_builder.errors import ServiceError
from kg_builder.server.execute import Reply


@dataclass(slots=True)
class Job:
    action: Callable[..., Reply]  # a function of kg_builder.server.execute (pickled by reference)
    generation: str | None  # the generation directory to read, None for writes
    params: dict
    # a named query: the project's own text, whose cost bench/queries.py keeps within a second at 50,000 studies.
    # It keeps its deadline, its row caps and the lanes' admission, but runs at full priority: a lowered one
    # only waits behind whatever else the machine runs (2.6 s of wall for 1.2 s of CPU at a load of 3)
    trusted: bool = False


class QueryTimeout(ServiceError):
    """The job ran past its deadline; its worker was killed."""

    def __init__(self, message: str = "the query ran past its time limit") -> None:
        super().__init__(message)


class PoolBusy(ServiceError):
    """No worker became free before the deadline."""

    def __init__(self, message: str = "every query worker stayed busy") -> None:
        super().__init__(message)


class LaneFull(PoolBusy):
    """The heavy lane is full: the job was refused before it ran (503 with ``Retry-After``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the lane for heavy queries is full (queries known to take over the light budget); "
                         f"try again in {retry_after} s")
        self.retry_after = retry_after


class WorkerCrashed(ServiceError):
    """The worker died while running the job (out of memory, a crash in the store)."""
