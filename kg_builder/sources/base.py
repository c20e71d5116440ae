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
from dataclasses import dataclass, fields, is_dataclass
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


# A registry record lists at most a few thousand of anything (the largest real ones: ~3,000 sites,
# a few hundred outcomes). A longer list is a broken or hostile record; it is rejected rather than
# mapped, since mapping cost grows with it (a 3 MB cell of "x|" entries is 400,000 outcomes).
MAX_LIST_ITEMS = 10_000


def overlong_list(study: Study) -> str | None:
    """Why ``study`` is too large to map (a list longer than MAX_LIST_ITEMS, anywhere in it), or None."""
    stack: list[tuple[str, object]] = [("study", study)]
    while stack:
        path, node = stack.pop()
        for spec in fields(node):
            value = getattr(node, spec.name)
            if isinstance(value, list):
                if len(value) > MAX_LIST_ITEMS:
                    return (f"{path}.{spec.name} lists more than {MAX_LIST_ITEMS:,} entries ({len(value):,}): "
                            "not a registry record, not mapped")
                stack.extend((f"{path}.{spec.name}[]", item) for item in value if is_dataclass(item))
            elif is_dataclass(value):
                stack.append((f"{path}.{spec.name}", value))
    return None
