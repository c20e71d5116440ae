"""The flattened line-per-field layout ("flat-record").

Five columns of the registry's CSV download written one per line, without headers:
Study Title, Brief Summary, Conditions (``|``-joined), Interventions (``TYPE: name``,
``|``-joined; empty for a study without interventions, as observational studies often
are) and the "Primary Outcome Measures" column, whose entries are ``title, description,
time frame`` joined by ``|``; that last cell runs over several lines (descriptions hold
blank lines). The summary may run over several lines too. Some files end with the summary
repeated; it is recognised and dropped.

The outcome column is the download's "Primary Outcome Measures", so its outcomes are kind
``primary``. The layout carries no registry id.

Columns are found by content, not by line number alone, in this order:

1. the interventions line is the first one shaped like ``TYPE: name`` (after title,
   summary and conditions);
2. else, when the file ends with its summary repeated, the summary's length is known:
   conditions, the (empty) interventions line and the outcomes follow it;
3. else the empty interventions line is the first blank line right after a conditions-
   shaped line (short ``|``-joined names, no sentence) that itself follows a summary line;
4. else, a study with neither interventions nor outcomes ends with its conditions line.
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
# Beyond this many lines a blank line is not the empty interventions line.
_MAX_HEAD_LINES = 200
_SENTENCE = re.compile(r"\w[.!?][)\"']?\s*$")
_MIN_SUMMARY_WORDS = 8
_MAX_CONDITIONS = 1000  # characters of a conditions line
_MAX_CONDITION = 150  # characters of one condition
_MAX_SUMMARY_TRIES = 3  # candidate starts of a repeated summary compared
_SNIFF_HEAD = 65536  # bytes the detector reads: a shorter head is the whole document


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
    """Plain text whose columns :func:`find_columns` finds (``text`` is the document's head:
    the rule for a file that ends with its conditions line needs the whole document)."""
    if not is_plain_text(head):
        return False
    lines = text.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 3:
        return False
    lines = lines[filled[0] : filled[-1] + 1]
    return find_columns(lines, complete=len(head) < _SNIFF_HEAD - 3) is not None  # (less a BOM)


def iter_records(doc: SourceDocument) -> Iterator[ParseResult]:
    """Yield the one study of a flat-record document, or a Reject saying why not."""
    data, text, warnings = read_text(doc)
    try:
        yield parse_flat_text(text, doc.name, content_hash(data), warnings)
    except Exception as exc:  # a bug must cost one record, never the build
        yield Reject(doc.name, "1", f"parser error (bug): {type(exc).__name__}: {exc}", NAME)


def _conditions_shaped(line: str) -> bool:
    """A Conditions cell: short names joined by ``|``, not a sentence or a list item."""
    text = line.strip()
    if not text or len(text) > _MAX_CONDITIONS or text[0] in "-*•+" or text[-1] in ".:;,":
        return False
    return all(len(item) <= _MAX_CONDITION and ". " not in item for item in text.split("|"))


def _repeated_summary(lines: list[str]) -> int | None:
    """The summary's length in lines when the file ends with it repeated (``lines`` has no
    trailing blank lines); None otherwise. The repeat starts in the file's second half (title,
    summary, conditions and interventions come first); the earliest start that matches is
    the longest summary, and only a few candidate starts are compared."""
    first = lines[1] if len(lines) > 1 else ""
    if not first.strip():
        return None
    tried = 0
    for start in range((len(lines) + 4) // 2, len(lines)):
        if lines[start] != first:
            continue
        size = len(lines) - start
        if start >= size + 3 and lines[1 : 1 + size] == lines[start:]:
            return size
        tried += 1
        if tried >= _MAX_SUMMARY_TRIES:
            break
    return None


def find_columns(lines: list[str], *, complete: bool = True) -> tuple[int, int | None, int, int] | None:
    """(conditions line, interventions line or None when empty, outcomes start, outcomes end)
    in ``lines`` (first line the title, no trailing blank lines); None when not this layout.
    ``complete=False`` says ``lines`` are only the head of the document (when sniffing)."""
    typed = next((i for i, line in enumerate(lines) if i >= 2 and INTERVENTION_LINE.match(line)), None)
    repeated = _repeated_summary(lines) if complete else None
    end = len(lines) - repeated if repeated else len(lines)
    if typed is not None:
        return typed - 1, typed, typed + 1, end
    if repeated is not None:
        conditions = 1 + repeated
        if conditions + 1 < end and not lines[conditions + 1].strip():
            return conditions, None, conditions + 2, end
        return (conditions, None, end, end) if conditions + 1 == end else None
    for blank in range(3, min(len(lines), _MAX_HEAD_LINES + 1)):
        if (not lines[blank].strip() and _conditions_shaped(lines[blank - 1]) and lines[blank - 2].strip()
                and (blank + 1 >= len(lines) or ", " in lines[blank + 1])):
            return blank - 1, None, blank + 1, end
    # No interventions and no outcomes: the file ends with the conditions line, after a summary
    # that reads as prose (a sentence ends in it, or it has a sentence's worth of words).
    if (complete and len(lines) >= 3 and _conditions_shaped(lines[-1]) and lines[-2].strip()
            and (any(_SENTENCE.search(line) for line in lines[1:-1])
                 or sum(len(line.split()) for line in lines[1:-1]) >= _MIN_SUMMARY_WORDS)):
        return len(lines) - 1, None, len(lines), len(lines)
    return None


def parse_flat_text(text: str, source: str, digest: str, warnings: list[str] | None = None) -> Study | Reject:
    """Read the five flattened columns of one study."""
    lines = plain(text).split("\n")  # CSV cells hold API v2 text: undo its CommonMark escapes
    while lines and not lines[-1].strip():
        lines.pop()
    if not any(line.strip() for line in lines):
        return Reject(source, "1", "empty document: no title line", NAME)
    first = next(i for i, line in enumerate(lines) if line.strip())
    lines = lines[first:]
    columns = find_columns(lines)
    if columns is None:
        return Reject(
            source,
            "1",
            "not a flat record: after title and summary, neither a 'TYPE: name' interventions line nor "
            "a conditions line followed by an empty interventions line",
            NAME,
        )
    conditions_at, interventions_at, outcomes_at, outcomes_end = columns
    interventions = [] if interventions_at is None else [
        item for cell in split_list(lines[interventions_at]) if (item := parse_intervention(cell)) is not None
    ]
    study = Study(
        provenance=Provenance(source, NAME, "1", digest),
        brief_title=lines[0].strip() or None,
        brief_summary="\n".join(lines[1:conditions_at]).strip() or None,
        conditions=split_list(lines[conditions_at]),
        interventions=interventions,
        warnings=list(warnings or ()),
    )
    # The fifth column is the download's "Primary Outcome Measures".
    study.outcomes = split_outcome_cell("\n".join(lines[outcomes_at:outcomes_end]), "primary", study.warnings)
    return study
