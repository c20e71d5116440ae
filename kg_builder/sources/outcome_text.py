"""Outcome cells written as ``title, description, time frame`` joined by ``|``.

The registry's CSV download (and the flattened line-per-field layout made from it) writes
each outcome measure as its present fields joined by ", " — a missing description or time
frame is simply left out — and the outcomes of one kind joined by "|". Every field may
itself hold commas, so counting commas cannot recover them. The entry is cut into its
", "-separated pieces (commas inside brackets do not cut) and every way of choosing where
the title ends and where the time frame starts is scored by what the text offers:

* **time frames** have a shape: they open with a time lead ("Up to", "From …",
  "Through study completion", "Baseline", "Day 1", "Week 12", "Cycle 2 Day 1", "A) 3 months")
  and every piece of them speaks of time or of a visit ("an average of 2 years", "whichever
  occurs first", "8, 15, and 22", "Delivery"); a continuation ("an average of …",
  "assessed up to …") never opens one; almost every outcome has one;
* **descriptions** are usually sentences: they start with a capital, often end with a
  full stop, and do not end on a bare time fragment ("…groups., 90 days, 6 months" puts
  "90 days" in the time frame);
* **titles** are one piece unless the next pieces continue a list ("FEV1, FVC, and
  FEV1/FVC ratio") or a lower-case phrase ("Safety, tolerability as indicated by …").

The best-scoring split is taken; when another split scores almost as well the entry is
truly ambiguous and a warning says so. Only the first few title ends and the last few
time-frame starts are tried, so the work stays linear in the cell's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg_builder.model import Outcome, OutcomeKind

# A piece mentions time: units, visits, study milestones.
_TIME_WORDS = re.compile(
    r"(\d\s*(?:s|sec|min|h|hr|hrs|d|wk|wks|mo|yr|yrs)\b"
    r"|\b(?:seconds?|minutes?|mins?|hours?|hrs?|days?|daily|weeks?|weekly|months?|monthly|years?|yearly"
    r"|baseline|cycles?|visits?|completion|follow[- ]?up|screening|discharge|enrol?lment|randomi[sz]ation"
    r"|end of|until|through|throughout|up to|pre[- ]?dose|post[- ]?dose|time ?points?|period|duration|date"
    r"|predose|postdose|assessed|approximately|average|median|time|immediately|after|before|prior"
    r"|pre-?operative(?:ly)?|post-?operative(?:ly)?|peri-?operative(?:ly)?|postpartum|antepartum"
    r"|whichever (?:occurs|occurred|comes|came) first)\b|\b(?:pre|post)-\w|\b[DWCM]\d+\b)",
    re.IGNORECASE,
)
# Events a time frame is measured from or to ("at birth", "Delivery", "during the operation").
_EVENT_WORDS = re.compile(
    r"\b(?:birth|delivery|surgery|operation|procedure|admission|hospitali[sz]ation|death|progression|relapse"
    r"|recurrence|transplant\w*|infusion|injection|dos(?:e|es|ing)|vaccination|treatment|therapy|study"
    r"|withdrawal|consent|exposure|intervention|session|phase|stage|term|trimester|pregnancy|visit)\b",
    re.IGNORECASE,
)
# A piece opens like a time frame.
_TIME_LEAD = re.compile(
    r"^(?:from|through|throughout|thru|up to|upto|until|till|at|after|before|prior|during|within|over"
    r"|between|baseline|days?|weeks?|months?|years?|hours?|minutes?|cycles?|visits?|screening|end|"
    r"approximately|approx\.?|about|every|each|pre|post|pre-?dose|post-?dose|once|twice|on|by"
    r"|first|last|one|two|three|four|five|six|seven|eight|nine|ten|twelve"
    r"|time (?:from|of|between|until|since)|immediately|participants? will be followed"
    r"|study (?:day|week|completion|end|period|duration)|start|pre-?operative\w*|post-?operative\w*"
    r"|entire|all|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|(?:outcome )?(?:measure|assessment|evaluation)s? (?:will be|was|were|are) (?:taken|performed|done|made|"
    r"collected|assessed)"
    r")\b|^arm [a-z0-9]+\s?:|^[dwcmy]?\d",
    re.IGNORECASE,
)
# Pieces that continue a time frame but never open one.
_TIME_CONTINUATION = re.compile(
    r"^(?:an? (?:expected |estimated )?(?:average|mean|median|maximum|minimum|total) of|on average"
    r"|(?:assessed|measured|evaluated|collected|reported|analy[sz]ed)(?: approximately)? (?:up to|until|through"
    r"|for|over|at|from|during|every|within|approximately)"
    r"|whichever|or (?:at|until|up to|death|end|withdrawal)|and (?:at|until|up to|every|then)|around"
    r"|approximately|up to \S+ (?:if|when|as)|respectively|inclusive|if (?:applicable|needed|necessary))\b",
    re.IGNORECASE,
)
# A bare list continuation inside a time frame: "Days 1, 8, 15, and 85", "C2D1, C2D15".
_LIST_ITEM = re.compile(
    r"^(?:(?:and|or|&) )?[A-Za-z]{0,3} ?-?\d[\w\-/+.]{0,6}(?: (?:and|or|&) [A-Za-z]{0,3} ?\d[\w\-/+.]{0,6})?"
    r"(?: (?:weeks?|days?|months?|hours?|years?))?$",
    re.IGNORECASE,
)
# An "A)"-style or "1."-style marker before a listed time frame ("A) Baseline", "(b) Week 4").
_MARKER = re.compile(r"^\(?[A-Za-z0-9]{1,2}[).]\s+")
_CONJUNCTION = re.compile(r"^(?:and|or|&|but|as well as)\s", re.IGNORECASE)
# Lower-case words that continue the phrase before them ("…rate, defined as …", "…, as
# assessed by …", "…, in participants with …"): a title goes on, a description does not open so.
_CONNECTIVE = re.compile(
    r"^(?:as|defined|in|with|without|by|including|included|per|according|based|measured|assessed|evaluated"
    r"|determined|graded|reported|at|of|for|from|using|via|among|between|on|to|vs\.?|versus|such|i\.e\.|e\.g\."
    r"|compared|relative|where|which|that|who)\b"
)
_SENTENCE_END = re.compile(r"[.!?][)\"']?$")
# One time-frame piece longer than this is prose, not a time frame.
_MAX_PIECE = 300
# The title ends within its first pieces; the time frame starts within the last ones.
_MAX_TITLE_PIECES = 8
_MAX_TIME_PIECES = 16
# Two splits scoring closer than this are a guess: the entry gets a warning.
_AMBIGUOUS = 0.35


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    lead: bool  # opens like a time frame
    time: bool  # names a time unit, a visit or a study milestone
    event: bool  # names an event a time frame runs from or to
    continues: bool  # continues a time frame ("an average of …", "8, 15")
    sentence_end: bool
    lower: bool  # starts with a lower-case letter
    connective: bool  # starts with a lower-case word that continues the phrase before it
    conjunction: bool
    words: int

    @classmethod
    def of(cls, text: str) -> _Piece:
        stripped = text.strip()
        opening = _MARKER.sub("", stripped.lstrip(" (\"'"), count=1)
        long = len(stripped) > _MAX_PIECE
        first = next((char for char in stripped if char.isalpha()), "")
        return cls(
            text=stripped,
            lead=not long and bool(_TIME_LEAD.match(opening)),
            time=not long and bool(_TIME_WORDS.search(stripped)),
            event=not long and bool(_EVENT_WORDS.search(stripped)),
            continues=bool(_TIME_CONTINUATION.match(stripped) or _LIST_ITEM.match(stripped)),
            sentence_end=bool(_SENTENCE_END.search(stripped)),
            lower=first.islower() and stripped[:1].isalpha(),
            connective=bool(_CONNECTIVE.match(stripped)),
            conjunction=bool(_CONJUNCTION.match(stripped)),
            words=len(stripped.split()),
        )


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


_LIST_WORDS = 5  # words of one item of a list written inline ("peanut, hazelnut, and walnut")
_INNER_CONJUNCTION = re.compile(r"\s(?:and|or|and/or|&)\s", re.IGNORECASE)


def _list_items(pieces: list[_Piece]) -> list[bool]:
    """Which pieces are items of an inline list: a run of short pieces (no sentence) whose last
    one holds its conjunction ("hen's egg and/or soybean"), or is followed by a piece that
    opens with it ("…, and AEs of special interest")."""
    items = [False] * len(pieces)
    index = 1
    while index < len(pieces):
        end = index
        while end < len(pieces) and pieces[end].words <= _LIST_WORDS and not pieces[end].sentence_end:
            end += 1
        if end > index:
            last = pieces[end - 1]
            if last.conjunction or _INNER_CONJUNCTION.search(last.text):
                items[index:end] = [True] * (end - index)
            elif end < len(pieces) and pieces[end].conjunction:
                items[index : end + 1] = [True] * (end + 1 - index)
        index = end + 1
    return items


def _restates_title(pieces: list[_Piece]) -> list[bool]:
    """Which pieces open with the title's first words: a description often restates its title
    ("ORR, defined as …, ORR is defined …" starts its description at the second "ORR")."""
    words = pieces[0].text.casefold().split()[:3]
    if len(words) < 2:
        return [False] * len(pieces)
    return [index > 0 and piece.text.casefold().split()[:3] == words for index, piece in enumerate(pieces)]


def _time_frame_score(pieces: list[_Piece], start: int) -> float:
    """How well pieces[start:] read as one time frame (start == len: no time frame)."""
    if start == len(pieces):
        return -3.0  # nearly every registered outcome has a time frame
    first = pieces[start]
    if (first.continues and not first.lead) or first.conjunction:
        score = -2.5  # "an average of 2 years", "and 24": the middle of a time frame
    elif first.lead:
        score = 2.0 if first.time or first.event else 1.0
    elif first.time:
        score = 0.0
    else:
        return -4.0
    for piece in pieces[start + 1 :]:
        if not (piece.time or piece.event or piece.continues):
            score -= 1.0
    if pieces[start - 1].sentence_end:
        score += 1.5  # the sentence before it closed
    return score


def _description_score(pieces: list[_Piece], start: int, end: int, listed: list[bool], restated: list[bool]) -> float:
    """How well pieces[start:end] read as a description (start == end: none)."""
    if start == end:
        return -0.7
    first, last = pieces[start], pieces[end - 1]
    if first.conjunction:
        score = -3.0  # "and AEs of special interest": the title's list goes on
    elif first.connective:
        score = -2.5  # "defined as …", "as assessed by …": the title's phrase goes on
    elif listed[start]:
        score = -2.0  # "FVC, and FEV1/FVC ratio": the middle of the title's list
    elif first.lower:
        score = -0.8  # some descriptions do open in lower case ("the mean of …")
    else:
        score = 0.5
    if restated[start]:
        score += 1.5
    if first.lead and (first.time or first.event):
        score -= 1.0  # a description rarely opens like a time frame
    if not last.sentence_end:
        if last.time and len(last.text) <= 60 and end < len(pieces):
            score -= 1.5  # ends on a time fragment: it belongs to the time frame
        elif last.words <= 3 and end - start > 1 and not listed[end - 1]:
            score -= 1.0
    return score


def _title_score(pieces: list[_Piece], end: int, listed: list[bool]) -> float:
    """How well pieces[:end] read as the title: more pieces than one must earn it (a list or a
    phrase going on), and a title seldom ends a sentence."""
    score = 0.0
    for index in range(1, end):
        piece = pieces[index]
        going_on = piece.conjunction or piece.connective or listed[index]
        score -= 0.2 if going_on else 0.9 if piece.lower else 1.2
    if end > 1 and pieces[end - 1].sentence_end:
        score -= 0.8
    return score


def _best_split(pieces: list[_Piece]) -> tuple[tuple[int, int], bool]:
    """((title end, time-frame start), ambiguous) of the best-scoring split."""
    size = len(pieces)
    listed, restated = _list_items(pieces), _restates_title(pieces)
    scored: list[tuple[float, int, int]] = []
    for frame in range(max(1, size - _MAX_TIME_PIECES), size + 1):
        frame_score = _time_frame_score(pieces, frame)
        for title in range(1, min(frame, _MAX_TITLE_PIECES) + 1):
            score = (frame_score + _description_score(pieces, title, frame, listed, restated)
                     + _title_score(pieces, title, listed))
            scored.append((score, title, frame))
    scored.sort(key=lambda item: -item[0])
    best = scored[0]
    ambiguous = len(scored) > 1 and best[0] - scored[1][0] < _AMBIGUOUS
    return (best[1], best[2]), ambiguous


def split_outcome(entry: str, kind: OutcomeKind = "unknown", warnings: list[str] | None = None) -> Outcome | None:
    """One ``title, description, time frame`` entry as an :class:`Outcome`; None when blank."""
    text = entry.strip()
    if not text:
        return None
    # Offsets, not re-joined pieces, so description and time frame are the source text verbatim.
    starts, ends = _split_pieces(text)
    if len(starts) == 1 or not text[: ends[0]].strip():
        return Outcome(kind=kind, measure=text)  # one field, or no title before the first comma: keep it whole
    pieces = [_Piece.of(text[s:e]) for s, e in zip(starts, ends, strict=True)]
    (title, frame), ambiguous = _best_split(pieces)
    measure = text[: ends[title - 1]].strip()
    description = text[starts[title] : ends[frame - 1]].strip() if frame > title else ""
    time_frame = text[starts[frame] :].strip() if frame < len(pieces) else ""
    outcome = Outcome(kind=kind, measure=measure, description=description or None, time_frame=time_frame or None)
    if ambiguous and warnings is not None:
        warnings.append(
            f"outcome {measure[:60]!r}: where its title, description and time frame split is uncertain; "
            f"read time frame {time_frame[:60]!r}"
        )
    return outcome


def split_outcome_cell(cell: str | None, kind: OutcomeKind = "unknown",
                       warnings: list[str] | None = None) -> list[Outcome]:
    """All outcomes of a ``|``-joined cell, in order; entries whose split is a guess are
    reported in ``warnings``."""
    if not cell:
        return []
    outcomes: list[Outcome] = []
    for entry in cell.split("|"):
        outcome = split_outcome(entry, kind, warnings)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes
