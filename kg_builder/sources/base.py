"""What every source module shares: the document it reads and the parser signature.

A *document* is one readable unit of input: a file on disk, a member of a zip
archive, the decompressed content of a ``.gz`` file, or standard input. Parsers
never open paths themselves; :mod:`kg_builder.sources.inputs` turns the user's
arguments into documents, :mod:`kg_builder.sources.detect` picks the parser.

A parser is a function ``iter_records(doc) -> Iterator[Study | Reject]``: it yields
one item per record it finds, a :class:`Reject` for a record it cannot read, and
never raises for bad content (only for an unreadable document, as InputError).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from kg_builder.model import Reject, Study

ParseResult = Study | Reject
Parser = Callable[["SourceDocument"], Iterator[ParseResult]]


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """One readable unit of input.

    ``name`` is what reports show (``data/x.zip!NCT1.json``, ``<stdin>``);
    ``open`` returns a fresh binary stream each call (documents can be read twice,
    once to sniff and once to parse).
    """

    name: str
    open: Callable[[], IO[bytes]]

    def head(self, size: int = 4096) -> bytes:
        """The first ``size`` bytes, for format detection."""
        with self.open() as stream:
            return stream.read(size)


def content_hash(data: bytes) -> str:
    """sha256 hex of a record's bytes, recorded in its provenance."""
    return hashlib.sha256(data).hexdigest()
