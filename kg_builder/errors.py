"""The exception tree. Only the CLI and the server turn these into messages for people.

    KgBuilderError
    ├── InputError        an input path or stream cannot be read (missing, unreadable, wrong type)
    ├── ParseError        one record cannot become a Study (becomes a Reject, never stops a build)
    ├── StoreError        the store cannot be opened, locked or swapped
    ├── QueryError        a query is malformed, unknown, or given bad parameters
    ├── ValidationError   shapes cannot be loaded (a bad graph is a report, not an error)
    └── UsageError        a user asked for something contradictory or unsupported
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


class ParseError(KgBuilderError):
    """One record cannot become a Study."""


class StoreError(KgBuilderError):
    """The store cannot be opened, locked or swapped."""


class QueryError(KgBuilderError):
    """A query is malformed, unknown, or given bad parameters."""


class ValidationError(KgBuilderError):
    """Shapes cannot be loaded or are not valid SHACL."""


class UsageError(KgBuilderError):
    """A contradictory or unsupported request."""
