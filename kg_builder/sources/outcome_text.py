"""Outcome cells written as ``title, description, time frame`` joined by ``|``.

The registry's CSV download (and the flattened line-per-field layout made from it) writes
each outcome measure as its three fields joined by ", ", and the outcomes of one kind
joined by "|". Descriptions and time frames both contain commas and descriptions may be
missing, so counting commas cannot recover the fields. Instead we read the cell from the
end: a time frame is a run of trailing comma-separated pieces that talk about time
("through study completion, an average of 2 years"), and it starts at the first piece of
that run that opens like a time frame ("From day 1…", "up to…", "Baseline…", "Week 12").
The first piece is always the title; whatever lies between is the description.

The scan is linear in the cell length: no backtracking over piece combinations.
"""

from __future__ import annotations

import re

from kg_builder.model import Outcome, OutcomeKind

# A piece mentions time: units, visits, study milestones.
_TIME_WORDS = re.compile(
    r"(\d\s*(?:s|sec|min|h|hr|hrs|d|wk|wks|mo|yr|yrs)\b"
    r"|\b(?:seconds?|minutes?|mins?|hours?|hrs?|days?|daily|weeks?|weekly|months?|monthly|years?|yearly"
    r"|baseline|cycles?|visits?|completion|follow[- ]?up|screening|discharge|enrol?lment|randomi[sz]ation"
    r"|end of|until|through|throughout|up to|pre[- ]?dose|post[- ]?dose|time ?points?|period|duration|date"
    r"|predose|postdose|assessed|approximately|average|median|time|immediately|after|before|prior"
    r"|whichever (?:occurs|occurred|comes|came) first)\b|\b(?:pre|post)-\w)",
    re.IGNORECASE,
)
# A piece opens like a time frame.
_TIME_LEAD = re.compile(
    r"^(?:from|through|throughout|thru|up to|upto|until|till|at|after|before|prior|during|within|over"
    r"|between|baseline|days?|weeks?|months?|years?|hours?|minutes?|cycles?|visits?|screening|end|"
    r"approximately|approx\.?|about|every|each|pre|post|pre-?dose|post-?dose|once|twice|on|by"
    r"|first|last|\d|[dwcmy]\d|one|two|three|four|five|six|seven|eight|nine|ten|twelve"
    r"|(?:assessed|measured|evaluated|collected) (?:up|from|at|through|until|over|every|for|during|on|within)"
    r"|time (?:from|of|between|until|since)|immediately|participants? will be followed"
    r"|study (?:day|week|completion|end)|start"
    r"|entire|all)\b|^arm [a-z0-9]+\s?:",
    re.IGNORECASE,
)
# A bare list continuation inside a time frame: "Days 1, 8, 15, and 85", "C2D1, C2D15".
_CONTINUATION = re.compile(
    r"^(?:(?:and|or|&) )?[A-Za-z]{0,3} ?-?\d[\w\-/+.]{0,6}(?: (?:and|or|&) [A-Za-z]{0,3} ?\d[\w\-/+.]{0,6})?$"
    r"|^respectively\.?$",
    re.IGNORECASE,
)
# One time-frame piece longer than this is prose, not a time frame.
_MAX_PIECE = 300


def _is_timeish(piece: str) -> bool:
    if len(piece) > _MAX_PIECE:
        return False
    return bool(_TIME_WORDS.search(piece) or _CONTINUATION.match(piece.strip()))


def _split_pieces(text: str, nested: bool = True) -> tuple[list[int], list[int]]:
    """Start and end offsets of the ", "-separated pieces, ignoring commas inside brackets
    (unless the brackets do not balance: then every ", " separates)."""
    starts, ends = [0], []
    depth = 0
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if nested and char in "([{":
            depth += 1
        elif nested and char in ")]}":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0 and index + 1 < size and text[index + 1].isspace():
            ends.append(index)
            index += 1
            while index < size and text[index].isspace():
                index += 1
            starts.append(index)
            continue
        index += 1
    ends.append(size)
    if nested and depth:
        return _split_pieces(text, nested=False)
    return starts, ends


def _opens_time_frame(piece: str) -> bool:
    return _is_timeish(piece) and bool(_TIME_LEAD.match(piece.lstrip(" (\"'")))


def split_outcome(entry: str, kind: OutcomeKind = "unknown") -> Outcome | None:
    """One ``title, description, time frame`` entry as an :class:`Outcome`; None when blank."""
    text = entry.strip()
    if not text:
        return None
    # Offsets, not re-joined pieces, so description and time frame are the source text verbatim.
    starts, ends = _split_pieces(text)
    pieces = [text[s:e] for s, e in zip(starts, ends, strict=True)]
    if len(pieces) == 1 or not pieces[0].strip():
        return Outcome(kind=kind, measure=text)  # one field, or no title before the first comma: keep it whole

    # Walk back over the trailing run of time-ish pieces (never into the title), noting
    # the earliest piece of the run that opens like a time frame.
    first_time: int | None = None
    index = len(pieces) - 1
    while index >= 1 and _is_timeish(pieces[index]):
        # A sentence ending before the tail closes the description ("...none-response., from").
        # The piece after it starts the time frame even when it opens unusually ("Serial
        # blood samples at…"), provided the run from there is all time-ish.
        if index < len(pieces) - 1 and pieces[index].rstrip().endswith("."):
            first_time = index + 1
            break
        if _opens_time_frame(pieces[index]):
            first_time = index
        index -= 1
    if first_time is None and _is_timeish(pieces[-1]) and len(pieces[-1]) <= 80:
        first_time = len(pieces) - 1  # a short time-ish tail ("an average of 2 years")

    measure = pieces[0].strip()
    if first_time is None:
        description = text[starts[1] :].strip()
        return Outcome(kind=kind, measure=measure, description=description or None)
    time_frame = text[starts[first_time] :].strip()
    description = text[starts[1] : ends[first_time - 1]].strip() if first_time > 1 else ""
    return Outcome(kind=kind, measure=measure, description=description or None, time_frame=time_frame)


def split_outcome_cell(cell: str | None, kind: OutcomeKind = "unknown") -> list[Outcome]:
    """All outcomes of a ``|``-joined cell, in order."""
    if not cell:
        return []
    outcomes: list[Outcome] = []
    for entry in cell.split("|"):
        outcome = split_outcome(entry, kind)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes
