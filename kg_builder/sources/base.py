"""What every source module shares: the document it reads and the parser signature.

A *document* is one readable unit of input: a file on disk, a member of a zip
archive, the decompressed content of a ``.gz`` file, or standard input. Parsers
never open paths themselves; :mod:`kg_builder.sources.inputs` turns the user's
arguments into documents, :mod:`kg_builder.sources.detect` picks the parser.

A parser is a function ``iter_records(doc) -> Iterator[Study | Reject]``: it yields
one item per record it finds, a :class:`Reject` for a record it cannot read, and
never raises for bad content (only for an unreadable document, as InputError).

A *layout* is a parser module that registers itself with three names (see
:class:`Layout`): ``NAME``, ``sniff(head, text)`` and ``iter_records(doc)``.
:mod:`kg_builder.sources.detect` lists the layouts in detection order and asks each
in turn.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from typing import IO, Protocol

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


class Layout(Protocol):
    """What a parser module provides (a module satisfies this protocol by its top-level names)."""

    NAME: str

    def sniff(self, head: bytes, text: str) -> bool:
        """Whether a document whose first bytes are ``head`` (BOM removed; decoded, newlines
        unified: ``text``) is in this layout. Only the head of the document is seen."""
        ...

    def iter_records(self, doc: SourceDocument) -> Iterator[ParseResult]:
        """Every record of ``doc``: a Study, or a Reject saying why not."""
        ...


_BLANKS = b" \t\r\n"
# JSON opens an object (``{`` then a key or ``}``) or an array (``[`` then a value or ``]``).
# A text record may open with a bracket too: a radiotracer title ("[18F]FDG PET in …") is not JSON.
_JSON_START = re.compile(
    rb'\{\s*(?:["}]|$)|\[\s*(?:[\[{\]"]|$|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*[,\]]|(?:true|false|null)\s*[,\]])'
)


def markup_head(head: bytes) -> bytes:
    """The head without leading white space: what JSON and XML sniffing look at."""
    return head.lstrip(_BLANKS)


def json_head(head: bytes) -> bool:
    """Whether ``head`` starts a JSON object or array (its first tokens, not only its first byte)."""
    return _JSON_START.match(markup_head(head)) is not None


def is_plain_text(head: bytes) -> bool:
    """Neither JSON, markup nor binary: the only heads the text layouts (CSV, page, flat) may claim."""
    return not json_head(head) and markup_head(head)[:1] != b"<" and b"\x00" not in head


# A registry record lists at most a few thousand of anything (the largest real ones: ~3,000 sites,
# a few hundred outcomes). A longer list is a broken or hostile record; it is rejected rather than
# mapped, since mapping cost grows with it (a 3 MB cell of "x|" entries is 400,000 outcomes).
MAX_LIST_ITEMS = 10_000


def overlong_list(study: Study) -> str | None:
    """Why ``study`` is too large to map (a list longer than MAX_LIST_ITEMS, anywhere in it), or None.
    A parser may stop reading a list one entry past the bound (what it read is counted)."""
    known = _FIELD_NAMES  # every study walks its whole tree (~300 values): one dict lookup per value
    stack: list[tuple[str, object]] = [("study", study)]
    while stack:
        path, node = stack.pop()
        for name in _field_names(type(node)):
            value = getattr(node, name)
            if isinstance(value, list):
                if len(value) > MAX_LIST_ITEMS:
                    return (f"{path}.{name} lists more than {MAX_LIST_ITEMS:,} entries ({len(value):,} read): "
                            "not a registry record, not mapped")
                item_path = f"{path}.{name}[]"
                last_type, walked = None, False  # a list's items are nearly always of one type
                for item in value:
                    if type(item) is not last_type:
                        last_type = type(item)
                        walked = bool(_field_names(last_type))
                    if walked:
                        stack.append((item_path, item))
            else:
                names = known.get(type(value))
                if names is None:
                    names = _field_names(type(value))
                if names:
                    stack.append((f"{path}.{name}", value))
    return None


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """The field names of a dataclass, () for any other type: read once per class (every study
    walks its whole tree, and ``dataclasses.fields`` rebuilds the list on each call)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls)) if is_dataclass(cls) else ()
    return names
