"""ClinicalTrials.gov API v2 JSON → :class:`~kg_builder.model.Study`.

Accepted layouts (decided from the first bytes, then streamed):

* one study object per document (position ``1``);
* an API page ``{"studies": [...], "nextPageToken": ...}`` (``studies[3]``) and a
  top-level array of studies (``[3]``), both streamed item by item
  (:mod:`~kg_builder.sources.json_items`), so memory is bounded by the largest
  study rather than the document;
* JSON Lines, one study per line (``line 12``), read line by line.

``content_hash`` is the sha256 of ``json.dumps(study, sort_keys=True,
ensure_ascii=False)`` encoded as UTF-8, for every layout: the same study gets
the same hash whether it came alone, in a page, or on a line.

Failure policy: a record that is not an object, is invalid JSON, or has no
usable identification becomes a :class:`Reject`; one field of the wrong type
becomes a line in ``study.warnings`` and is left out. A lone UTF-16 surrogate in a
string (an unpaired ``\\ud800`` escape, which JSON allows and RDF cannot hold) is
replaced by U+FFFD with a warning; a record nested deeper than :data:`MAX_DEPTH` is a
Reject that says so. Nothing here raises for content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from kg_builder.model import Provenance, Reject, Study
from kg_builder.sources import ctgov_v1
from kg_builder.sources.base import SourceDocument, content_hash, json_head
from kg_builder.sources.ctgov_json_build import build_study
from kg_builder.sources.json_items import TOO_DEEP, array_items


def _loads(data: bytes | str) -> Any:
    """The standard library's decoder, always: what a record reads as (integers of any size, NaN, lone
    surrogate escapes) and each reject's reason must not depend on which optional packages are installed."""
    return json.loads(data)


NAME = "ctgov-json"
_BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
_FIRST_KEY_RE = re.compile(rb'^\{\s*"((?:[^"\\]|\\.)*)"')
_PAGE_KEYS = frozenset({b"studies", b"nextPageToken", b"totalCount"})
_HEAD_SIZE = 65536
# Registry records nest about 10 levels deep; a record deeper than this is rejected as such
# (deeper values would reach the interpreter's recursion limit in the standard encoder).
MAX_DEPTH = 64
_TOO_DEEP_REASON = f"nesting deeper than {MAX_DEPTH} levels: not a registry record"
_SURROGATE = re.compile("[\ud800-\udfff]")


def sniff(head: bytes, text: str) -> bool:
    """A JSON document: it opens an object or an array (``[18F]…`` opens a text record's title)."""
    return json_head(head)


def iter_records(doc: SourceDocument) -> Iterator[Study | Reject]:
    """Yield one Study or Reject per record in ``doc`` (layouts and policy in the module doc)."""
    head = doc.head(_HEAD_SIZE)
    body = head.removeprefix(_BOM).lstrip(_WS)
    if not body:
        yield Reject(doc.name, "1", "empty document: no JSON in it", NAME)
        return
    if body[:1] == b"[":
        yield from _stream(doc, None, "[{}]")
        return
    first_key = _FIRST_KEY_RE.match(body)
    if first_key and first_key.group(1) in _PAGE_KEYS:
        yield from _stream(doc, "studies", "studies[{}]")
        return
    yield from _lines_or_single(doc)


def record(obj: Any, source: str, position: str) -> Study | Reject:
    """Build one Study (or Reject) from a decoded JSON value; never raises."""
    if not isinstance(obj, dict):
        return Reject(source, position, f"record is a JSON {_json_kind(obj)}, not an object", NAME)
    if _depth(obj) > MAX_DEPTH:
        return Reject(source, position, _TOO_DEEP_REASON, NAME)
    if ctgov_v1.is_v1(obj):  # one v1 study in a list or on a line
        return next(ctgov_v1.rejects(obj, source, NAME, position=position))
    try:
        # a decoded record is a tree (no value is reached twice, _depth bounded it): the encoder's
        # check for cycles, a dict insertion and removal per object and list, finds nothing to report
        text = json.dumps(obj, sort_keys=True, ensure_ascii=False, check_circular=False)
        try:
            canonical, replaced = text.encode("utf-8"), 0
        except UnicodeEncodeError:  # a lone surrogate (a "\ud800" escape) somewhere in a string
            canonical = text.encode("utf-8", "surrogatepass")  # the hash is of the record as read
            obj, replaced = _replace_surrogates(obj)
        provenance = Provenance(source, NAME, position, content_hash(canonical))
        study = build_study(obj, provenance)
    except Exception as exc:  # a safety net: one odd record must never stop a build
        return Reject(source, position, f"could not read record ({type(exc).__name__}: {exc})"[:300], NAME)
    if replaced and isinstance(study, Study):
        study.warnings.append(f"{replaced} string(s) held a lone UTF-16 surrogate (an unpaired \\ud800-style "
                              "escape, not a character): replaced by U+FFFD")
    return study


def _depth(obj: Any) -> int:
    """How deeply ``obj`` nests (1 for a flat object), counted level by level without recursion; stops
    past MAX_DEPTH. A level is one list of its containers (a record has some hundreds, ~10 levels deep)."""
    level, depth = [obj], 1
    while True:
        level = [value for node in level for value in (node.values() if type(node) is dict else node)
                 if type(value) is dict or type(value) is list]
        if not level:
            return depth
        depth += 1
        if depth > MAX_DEPTH:
            return depth


def _replace_surrogates(obj: Any) -> tuple[Any, int]:
    """``obj`` with every lone surrogate in its strings and keys replaced by U+FFFD; how many strings changed."""
    changed = 0

    def clean(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, str):
            fixed = _SURROGATE.sub("\ufffd", value)
            changed += fixed != value
            return fixed
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(obj), changed  # recursion is bounded: record() checked the depth first


def _stream(doc: SourceDocument, key: str | None, position: str) -> Iterator[Study | Reject]:
    """The top array's items (or those of ``key``'s array) one at a time; invalid JSON ends the document."""
    with doc.open() as raw:
        stream = _SkipBom(raw)
        items = array_items(stream, under_key=key, max_depth=MAX_DEPTH)
        index = 0
        while True:
            try:
                obj = next(items)
            except StopIteration:
                if index == 0:
                    yield _no_study(doc.name)
                return
            except Exception as exc:  # ijson errors, bad UTF-8, a truncated .gz …
                reason = f"invalid JSON from this item on, rest of document skipped: {_one_line(exc)}"
                yield Reject(doc.name, position.format(index), reason, NAME)
                return
            if obj is TOO_DEEP:
                yield Reject(doc.name, position.format(index), _TOO_DEEP_REASON, NAME)
            else:
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
        if line and not line.isspace():  # as line.strip() would say, without copying a whole record
            yield number, line


def _single(name: str, obj: Any) -> Iterator[Study | Reject]:
    if ctgov_v1.is_v1(obj):  # legacy API v1: each study it holds is a reject that says so
        yield from ctgov_v1.rejects(obj, name, NAME)
        return
    if isinstance(obj, dict) and isinstance(obj.get("studies"), list) and "protocolSection" not in obj:
        items, position = obj["studies"], "studies[{}]"  # a page whose first key was not "studies"
    elif isinstance(obj, list):
        items, position = obj, "[{}]"
    else:
        yield record(obj, name, "1")
        return
    if not items:
        yield _no_study(name)
    for index, item in enumerate(items):
        yield record(item, name, position.format(index))


def _no_study(name: str) -> Reject:
    """An empty array or API page: a document without a record is reported, never passed over."""
    return Reject(name, "1", "no study in the document (an empty array or page)", NAME)


def _line_record(name: str, number: int, obj: Any, error: str | None) -> Study | Reject:
    position = f"line {number}"
    if error is not None:
        return Reject(name, position, f"invalid JSON: {error}", NAME)
    return record(obj, name, position)


def _try_loads(data: bytes) -> tuple[Any, str | None]:
    try:
        return _loads(data.removeprefix(_BOM)), None
    except RecursionError:
        return None, f"nesting deeper than the decoder's limit (records are rejected past {MAX_DEPTH} levels)"
    except Exception as exc:  # JSONDecodeError, UnicodeDecodeError …
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
