"""ClinicalTrials.gov API v2 JSON → :class:`~kg_builder.model.Study`.

Accepted layouts (decided from the first bytes, then streamed):

* one study object per document (position ``1``);
* an API page ``{"studies": [...], "nextPageToken": ...}`` (``studies[3]``) and a
  top-level array of studies (``[3]``), both streamed item by item with ijson, so
  memory is bounded by the largest study rather than the document;
* JSON Lines, one study per line (``line 12``), read line by line.

``content_hash`` is the sha256 of ``json.dumps(study, sort_keys=True,
ensure_ascii=False)`` encoded as UTF-8, for every layout: the same study gets
the same hash whether it came alone, in a page, or on a line.

Failure policy: a record that is not an object, is invalid JSON, or has no
usable identification becomes a :class:`Reject`; one field of the wrong type
becomes a line in ``study.warnings`` and is left out. Nothing here raises for
content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

import ijson

from kg_builder.model import Provenance, Reject, Study
from kg_builder.sources import ctgov_v1
from kg_builder.sources.base import SourceDocument, content_hash, markup_head
from kg_builder.sources.ctgov_json_build import build_study

try:  # optional speed-up; the standard library is the fallback
    import orjson

    def _loads(data: bytes | str) -> Any:
        return orjson.loads(data)

except ImportError:  # pragma: no cover - depends on the environment

    def _loads(data: bytes | str) -> Any:
        return json.loads(data)


NAME = "ctgov-json"
_BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
_FIRST_KEY_RE = re.compile(rb'^\{\s*"((?:[^"\\]|\\.)*)"')
_PAGE_KEYS = frozenset({b"studies", b"nextPageToken", b"totalCount"})
_HEAD_SIZE = 65536


def sniff(head: bytes, text: str) -> bool:
    """A JSON document: its first character opens an object or an array."""
    return markup_head(head)[:1] in (b"{", b"[")


def iter_records(doc: SourceDocument) -> Iterator[Study | Reject]:
    """Yield one Study or Reject per record in ``doc`` (layouts and policy in the module doc)."""
    head = doc.head(_HEAD_SIZE)
    body = head.removeprefix(_BOM).lstrip(_WS)
    if not body:
        yield Reject(doc.name, "1", "empty document: no JSON in it", NAME)
        return
    if body[:1] == b"[":
        yield from _stream(doc, "item", "[{}]")
        return
    first_key = _FIRST_KEY_RE.match(body)
    if first_key and first_key.group(1) in _PAGE_KEYS:
        yield from _stream(doc, "studies.item", "studies[{}]")
        return
    yield from _lines_or_single(doc)


def record(obj: Any, source: str, position: str) -> Study | Reject:
    """Build one Study (or Reject) from a decoded JSON value; never raises."""
    if not isinstance(obj, dict):
        return Reject(source, position, f"record is a JSON {_json_kind(obj)}, not an object", NAME)
    if ctgov_v1.is_v1(obj):  # one v1 study in a list or on a line
        return next(ctgov_v1.rejects(obj, source, NAME, position=position))
    try:
        canonical = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
        provenance = Provenance(source, NAME, position, content_hash(canonical))
        return build_study(obj, provenance)
    except Exception as exc:  # a safety net: one odd record must never stop a build
        return Reject(source, position, f"could not read record ({type(exc).__name__}: {exc})"[:300], NAME)


def _stream(doc: SourceDocument, prefix: str, position: str) -> Iterator[Study | Reject]:
    """Items under ``prefix`` one at a time; invalid JSON ends the document with one Reject."""
    with doc.open() as raw:
        stream = _SkipBom(raw)
        items = ijson.items(stream, prefix, use_float=True)
        index = 0
        while True:
            try:
                obj = next(items)
            except StopIteration:
                return
            except Exception as exc:  # ijson errors, bad UTF-8, a truncated .gz …
                reason = f"invalid JSON from this item on, rest of document skipped: {_one_line(exc)}"
                yield Reject(doc.name, position.format(index), reason, NAME)
                return
            yield record(obj, doc.name, position.format(index))
            index += 1


def _lines_or_single(doc: SourceDocument) -> Iterator[Study | Reject]:
    """A study object per document, or JSON Lines; told apart by how the first two lines read."""
    forced_lines = doc.name.lower().removesuffix(".gz").endswith((".jsonl", ".ndjson"))
    with doc.open() as stream:
        numbered = _non_blank_lines(stream)
        first_no, first = next(numbered, (1, b""))
        first_obj, first_error = _try_loads(first)
        second_no, second = next(numbered, (0, b""))
        # One complete value per line, or a broken line followed by an unindented "{": JSON Lines.
        # Pretty-printed JSON indents its second line (or has none).
        if forced_lines or (second and (first_error is None or second[:1] == b"{")):
            yield _line_record(doc.name, first_no, first_obj, first_error)
            if second:
                yield _line_record(doc.name, second_no, *_try_loads(second))
            for number, line in numbered:
                yield _line_record(doc.name, number, *_try_loads(line))
            return
        if first_error is None:
            yield from _single(doc.name, first_obj)
            return
        data = first + second + stream.read()
    obj, error = _try_loads(data)
    if error is not None:
        yield Reject(doc.name, "1", f"invalid JSON: {error}", NAME)
        return
    yield from _single(doc.name, obj)


def _non_blank_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, line


def _single(name: str, obj: Any) -> Iterator[Study | Reject]:
    if ctgov_v1.is_v1(obj):  # legacy API v1: each study it holds is a reject that says so
        yield from ctgov_v1.rejects(obj, name, NAME)
    elif isinstance(obj, dict) and isinstance(obj.get("studies"), list) and "protocolSection" not in obj:
        for index, item in enumerate(obj["studies"]):  # a page whose first key was not "studies"
            yield record(item, name, f"studies[{index}]")
    elif isinstance(obj, list):
        for index, item in enumerate(obj):
            yield record(item, name, f"[{index}]")
    else:
        yield record(obj, name, "1")


def _line_record(name: str, number: int, obj: Any, error: str | None) -> Study | Reject:
    position = f"line {number}"
    if error is not None:
        return Reject(name, position, f"invalid JSON: {error}", NAME)
    return record(obj, name, position)


def _try_loads(data: bytes) -> tuple[Any, str | None]:
    try:
        return _loads(data.removeprefix(_BOM)), None
    except Exception as exc:  # JSONDecodeError, UnicodeDecodeError, RecursionError …
        return None, _one_line(exc)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _json_kind(obj: Any) -> str:
    if isinstance(obj, list):
        return "array"
    if isinstance(obj, str):
        return "string"
    if isinstance(obj, bool):
        return "boolean"
    if obj is None:
        return "null"
    return "number"


class _SkipBom:
    """A read-only view of a binary stream without its leading UTF-8 byte-order mark (ijson rejects it)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._pending: bytes | None = None

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) to tell bytes from text
            return b""
        if self._pending is None:
            start = self._raw.read(3)
            self._pending = start.removeprefix(_BOM)
        if self._pending:
            data, self._pending = self._pending, b""
            if size < 0:
                return data + self._raw.read()
            return data + self._raw.read(max(size - len(data), 0))
        return self._raw.read(size)
