"""The exception tree: every error kg_builder raises on purpose is a :class:`KgBuilderError`.

Only the CLI and the server turn these into messages for people (the CLI: one line with the
hint, exit 2 for the user's mistakes, 1 otherwise; the server: the JSON error shape).

    KgBuilderError
    ├── InputError                an input path or stream cannot be read (missing, unreadable, wrong type)
    ├── StoreError                the store cannot be opened, locked or swapped
    │   └── GraphFailed           (remote.push) one graph still failed transiently after every retry
    ├── QueryError                a query is malformed, unknown, or given bad parameters
    ├── ValidationError           shapes cannot be loaded (a bad graph is a report, not an error)
    │   ├── UnsupportedShapes     (validation.sparql) shapes the compiled engines cannot run: pyshacl does
    │   └── ValidatorProcessError (validation.worker) the build's checking process failed
    ├── UsageError                a user asked for something contradictory or unsupported
    ├── ServiceError              the endpoint could not answer a request
    │   ├── QueryTimeout          (server.worker) the query ran past its time limit; its worker was killed
    │   ├── PoolBusy              (server.worker) no worker became free before the deadline
    │   ├── WorkerCrashed         (server.worker) the worker died while running the query
    │   ├── BodyTooLarge          (server.limits) the request body is over the limit
    │   ├── _ClientGone           (server.door)   the client left while its query ran: cancelled, never answered
    │   └── HttpError             (server.problems) a failure with its HTTP status, as clients see it
    └── _NothingBuilt             (build) no study was built: aborts the store generation, never escapes build()

A record that cannot be read is not an exception: parsers yield a Reject with its file,
position and reason (see :mod:`kg_builder.sources.base`).
"""

from __future__ import annotations


class KgBuilderError(Exception):
    """Root of every error this package raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text


class InputError(KgBuilderError):
    """An input path or stream cannot be read."""


class StoreError(KgBuilderError):
    """The store cannot be opened, locked or swapped."""


class QueryError(KgBuilderError):
    """A query is malformed, unknown, or given bad parameters."""


class ValidationError(KgBuilderError):
    """Shapes cannot be loaded or are not valid SHACL."""


class UsageError(KgBuilderError):
    """A contradictory or unsupported request."""


class ServiceError(KgBuilderError):
    """The endpoint could not answer a request (the server maps each kind to its HTTP status)."""
