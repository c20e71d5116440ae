"""The flattened line-per-field layout ("flat-record").

Five columns of the registry's CSV download written one per line, without headers:
Study Title, Brief Summary, Conditions (``|``-joined), Interventions (``TYPE: name``,
``|``-joined) and an outcome-measures column whose entries are ``title, description,
time frame`` joined by ``|``; that last cell runs over several lines (descriptions hold
blank lines). Some files end with a stray line repeating the summary; it is dropped.

The layout carries no registry id and does not say whether the outcomes are primary or
secondary, so they are kind ``unknown``. Positions are found by content, not by line
number alone: the interventions line is the first one shaped like ``TYPE: name``, so a
summary written over several lines does not shift the columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg_builder.errors import InputError
from kg_builder.model import Provenance, Reject, Study
from kg_builder.sources.base import ParseResult, SourceDocument, content_hash, is_plain_text
from kg_builder.sources.outcome_text import split_outcome_cell
from kg_builder.sources.values import parse_intervention, plain, split_list

NAME = "flat-record"
# ClinicalTrials.gov intervention types, as written in the CSV Interventions column.
INTERVENTION_TYPES = (
    "DRUG",
    "BIOLOGICAL",
    "DEVICE",
    "PROCEDURE",
    "RADIATION",
    "BEHAVIORAL",
    "GENETIC",
    "DIETARY_SUPPLEMENT",
    "COMBINATION_PRODUCT",
    "DIAGNOSTIC_TEST",
    "OTHER",
)
INTERVENTION_LINE = re.compile(rf"^(?:{'|'.join(INTERVENTION_TYPES)}): \S")
# Beyond this many lines before the interventions line the text is not this layout.
_MAX_HEAD_LINES = 40


def read_text(doc: SourceDocument) -> tuple[bytes, str, list[str]]:
    """The document's bytes, its text (UTF-8, undecodable bytes replaced) and warnings."""
    try:
        with doc.open() as stream:
            data = stream.read()
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", where=doc.name) from exc
    warnings: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors="replace")
        warnings.append("text is not valid UTF-8; undecodable bytes replaced")
    return data, text.replace("\r\n", "\n").replace("\r", "\n"), warnings


def sniff(head: bytes, text: str) -> bool:
    """Plain text with a ``TYPE: name`` interventions line after title, summary and conditions."""
    if not is_plain_text(head):
        return False
    lines = [line for line in text.split("\n") if line.strip()][: _MAX_HEAD_LINES + 1]
    return len(lines) >= 4 and any(INTERVENTION_LINE.match(line) for line in lines[2:])


def iter_records(doc: SourceDocument) -> Iterator[ParseResult]:
    """Yield the one study of a flat-record document, or a Reject saying why not."""
    data, text, warnings = read_text(doc)
    try:
        yield parse_flat_text(text, doc.name, content_hash(data), warnings)
    except Exception as exc:  # a bug must cost one record, never the build
        yield Reject(doc.name, "1", f"parser error (bug): {type(exc).__name__}: {exc}", NAME)


def parse_flat_text(text: str, source: str, digest: str, warnings: list[str] | None = None) -> Study | Reject:
    """Read the five flattened columns of one study."""
    lines = plain(text).split("\n")  # CSV cells hold API v2 text: undo its CommonMark escapes
    while lines and not lines[-1].strip():
        lines.pop()
    if not any(line.strip() for line in lines):
        return Reject(source, "1", "empty document: no title line", NAME)
    first = next(i for i, line in enumerate(lines) if line.strip())
    lines = lines[first:]

    interventions_at = next(
        (
            i
            for i, line in enumerate(lines[: _MAX_HEAD_LINES + 1])
            if i >= 2 and INTERVENTION_LINE.match(line)
        ),
        None,
    )
    if interventions_at is None:
        return Reject(
            source,
            "1",
            "not a flat record: no 'TYPE: name' interventions line after title, summary and conditions",
            NAME,
        )
    title = lines[0].strip()
    summary = "\n".join(lines[1 : interventions_at - 1]).strip() or None
    conditions = split_list(lines[interventions_at - 1]) if interventions_at >= 2 else []
    interventions = [
        item for cell in split_list(lines[interventions_at]) if (item := parse_intervention(cell)) is not None
    ]

    rest = lines[interventions_at + 1 :]
    # The stray last line repeats the summary: the same text, so dropping it loses nothing.
    if summary and rest and rest[-1].strip() == summary.strip():
        rest.pop()
    outcomes = split_outcome_cell("\n".join(rest), "unknown")

    return Study(
        provenance=Provenance(source, NAME, "1", digest),
        brief_title=title or None,
        brief_summary=summary,
        conditions=conditions,
        interventions=interventions,
        outcomes=outcomes,
        warnings=list(warnings or ()),
    )
