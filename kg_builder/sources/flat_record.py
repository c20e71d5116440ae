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

Rules 2-4 find the columns from the text's shape alone, which many text files share (a
Markdown README, a licence, notes, a list of names). So when no ``TYPE: name`` line marks
the layout, :func:`sniff` also asks that the cells read as a registry's: title, summary and
conditions unindented and starting with a word, a bracket or a quote (not with markup);
each condition a name (not a sentence, not a web or e-mail address); the summary prose that
is not hard-wrapped (a registry cell breaks lines between paragraphs, not inside sentences);
and a study without interventions or outcomes ends with those two empty cells written out.
A document forced with ``--format flat-record`` is read with the column rules alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from itertools import pairwise

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
# A registry cell starts with a letter, a digit, an opening bracket or quote (any script's: "(", "[",
# "«", "“", "¿" …): not with indentation or markup (``#``, ``=``, ``|``, ``*``, ``>``, ``$``, a fence…).
_OPENERS = frozenset("\"'¿¡")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]{2,}")
_AROUND_WORD = ".,;:!?()\"'“”‘’"
_ADDRESS = re.compile(r"://|\bwww\.|\S@\S")  # a web or e-mail address: never a condition
# A line that ends a sentence, a clause or a quotation: the next line may start in lower case.
_CLAUSE_END = re.compile(r"[.!?:;)\]\"'”]\s*$")


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
    trailing_newlines = len(lines) - 1 - filled[-1]
    lines = lines[filled[0] : filled[-1] + 1]
    columns = find_columns(lines, complete=len(head) < _SNIFF_HEAD - 3)  # (less a BOM)
    if columns is None:
        return False
    conditions_at, interventions_at = columns[:2]
    if interventions_at is not None:
        return True  # the 'TYPE: name' line is the layout's own mark
    if conditions_at == len(lines) - 1 and trailing_newlines < 2:
        return False  # ends with its conditions, but not with the empty interventions and outcomes
    return _registry_cells(lines, conditions_at)


def _registry_cells(lines: list[str], conditions_at: int) -> bool:
    """Title, summary and conditions (``lines[conditions_at]``) read as a registry's cells."""
    title, summary, conditions = lines[0], lines[1:conditions_at], lines[conditions_at]
    starts = (title, summary[0] if summary else "", conditions)
    if not all(_cell_start(line) and _LETTER.search(line) for line in starts):
        return False
    if not all(_condition_name(item.strip()) for item in conditions.split("|")):
        return False
    return _prose(summary) and not _hard_wrapped(lines[:conditions_at])


def _cell_start(text: str) -> bool:
    first = text[:1]
    return bool(first) and (first.isalnum() or first in _OPENERS or unicodedata.category(first) in ("Ps", "Pi"))


def _condition_name(item: str) -> bool:
    return bool(_cell_start(item) and _LETTER.search(item)) and not (
        _SENTENCE.search(item) or _ADDRESS.search(item))


def _prose(lines: list[str]) -> bool:
    """A sentence ends in ``lines``, or they hold a sentence's worth of words (not ``key = value``
    settings, paths or code: a word is letters, with punctuation around it at most)."""
    return (any(_SENTENCE.search(line) for line in lines)
            or sum(bool(_WORD.fullmatch(token.strip(_AROUND_WORD))) for line in lines for token in line.split())
            >= _MIN_SUMMARY_WORDS)


def _hard_wrapped(lines: list[str]) -> bool:
    """Prose wrapped at a fixed width: most of its line breaks fall inside a sentence (the next
    line goes on in lower case). A registry cell breaks lines between paragraphs or items."""
    breaks = [(a, b) for a, b in pairwise(lines) if a.strip() and b.strip()]
    inside = sum(1 for a, b in breaks if b[:1].islower() and not _CLAUSE_END.search(a))
    return inside >= 2 and 2 * inside > len(breaks)


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
    if complete and len(lines) >= 3 and _conditions_shaped(lines[-1]) and lines[-2].strip() and _prose(lines[1:-1]):
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
