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
from collections.abc import Callable
from dataclasses import dataclass

from kg_builder.model import Outcome, OutcomeKind
from kg_builder.sources.base import MAX_LIST_ITEMS

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
    r"|(?:assessed|measured|evaluated|collected) (?:up|from|at|through|until|over|every|for|during|on|within)"
    r"|daily|weekly|monthly|yearly|annually|hourly|nightly|twice|thrice|q\d+[dwhm]"
    # "Samples collected pre-injection, …", "Data will be recorded before each cycle …"
    r"|(?:\S+ ){0,3}(?:(?:will be|are|were|is|was|to be) )?(?:collected|recorded|taken|drawn|measured|assessed"
    r"|evaluated|performed|obtained|done) (?:at|before|after|on|every|pre|post|from|during|daily|weekly|within"
    r"|until|through|prior|each|up)"
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
    r"^(?:as|in|with|without|by|including|per|according|based|at|of|for|from|using|via|among|between|on|to"
    r"|vs\.?|versus|such|i\.e\.|e\.g\.|where|which|that|who|defined)\b"
)
# Lower-case participles: a title may go on with them ("…, measured by …"), but a description
# may also open with them ("measured concentration 12 hours after dose").
_PARTICIPLE = re.compile(r"^(?:measured|assessed|evaluated|determined|graded|reported|compared|relative|included)\b")
_SENTENCE_END = re.compile(r"[.!?][)\"']?$")
# One time-frame piece longer than this is prose, not a time frame; past the second, it is unusual.
_MAX_PIECE = 300
_LONG_TIME_FRAME = 200
# The title ends within its first pieces; the time frame starts within the last ones.
_MAX_TITLE_PIECES = 8
_MAX_TIME_PIECES = 16
# The registry allows 254 characters of title, 999 of description and 254 of time frame: an
# entry holds at most some 500 ", " pieces. In one with more, only the pieces a split can start
# the description or the time frame at are weighed; the middle is read as one piece of prose
# (weighing every piece cost a second at 130,000 pieces).
_MAX_PIECES = 1_000
# Two splits scoring closer than this are a guess: the entry gets a warning.
_AMBIGUOUS = 0.35
# Weight of each shape feature shared with the cell's other entries, and of a repeated title.
_CONSISTENCY = 0.8
_REPEATED_TITLE = 2.0


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
    participle: bool  # starts with a lower-case participle ("measured …")
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
            participle=bool(_PARTICIPLE.match(stripped)),
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
    """Which pieces are items of an inline list: a run of short pieces whose last one holds its
    conjunction ("hen's egg and/or soybean", "… and thyroid function."), or is followed by a
    piece that opens with it ("…, and AEs of special interest"). Right after a list has ended,
    the next run's first piece is a new phrase ("Including grading of …, nature, and …")."""
    items = [False] * len(pieces)
    index, after_list = 1, False
    while index < len(pieces):
        end = index
        while (end < len(pieces) and pieces[end].words <= _LIST_WORDS
               and not (end > index and pieces[end].lead and pieces[end].time)):  # a time frame starts
            end += 1
            if pieces[end - 1].sentence_end or pieces[end - 1].conjunction:
                break  # the list's last item
        found = False
        if end > index:
            last = pieces[end - 1]
            first = index + 1 if after_list and pieces[index].text[:1].isupper() else index
            if last.conjunction or _INNER_CONJUNCTION.search(last.text):
                items[first:end] = [True] * (end - first)
                found = True
            elif end < len(pieces) and pieces[end].conjunction:
                items[first : end + 1] = [True] * (end + 1 - first)
                end, found = end + 1, True
        after_list = found
        index = max(end, index + 1)
    return items


def _restates_title(pieces: list[_Piece]) -> list[bool]:
    """Which pieces open with the title's first words (or repeat a one-word first piece): a
    description often restates its title ("ORR, defined as …, ORR is defined …" starts its
    description at the second "ORR")."""
    first = pieces[0].text.casefold()
    words = first.split()[:3]
    return [index > 0 and (piece.text.casefold() == first
                           or (len(words) >= 2 and piece.text.casefold().split()[:3] == words))
            for index, piece in enumerate(pieces)]


def _time_frame_score(pieces: list[_Piece], start: int) -> float:
    """How well pieces[start:] read as one time frame (start == len: no time frame)."""
    if start == len(pieces):
        return -3.0  # nearly every registered outcome has a time frame
    first, before = pieces[start], pieces[start - 1]
    # "an average of 2 years", "and 24", "assessed up to 2 years" after a piece about time: the
    # middle of a time frame ("Assessed every 56 days" with its capital opens one).
    middle = (first.continues and (not first.lead or (first.text[:1].islower() and before.time))) or (
        first.text[:1] == "(" and before.time)  # "(approximately 2 years)": a parenthesis on the piece before
    if middle or first.conjunction:
        score = -2.5
    elif first.lead:
        score = 2.0 if first.time or first.event else 1.0
    elif first.time:
        score = 0.0
    else:
        return -4.0
    for piece in pieces[start + 1 :]:
        if not (piece.time or piece.event or piece.continues):
            score -= 1.0
    for piece in pieces[start:]:
        if ". " in piece.text or len(piece.text) > _LONG_TIME_FRAME:
            score -= 1.0  # time frames are phrases, seldom prose
    if before.sentence_end:
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
    elif first.participle:
        score = -1.2
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
        if last.lead and last.time and len(last.text) <= 60 and end < len(pieces):
            score -= 1.5  # ends on a time fragment: it belongs to the time frame
        elif (last.words <= 3 and end - start > 1 and not listed[end - 1]
              and not (last.connective or last.conjunction)):
            score -= 1.0
    return score


def _title_score(pieces: list[_Piece], end: int, listed: list[bool]) -> float:
    """How well pieces[:end] read as the title: more pieces than one must earn it (a list or a
    phrase going on), and a title seldom ends a sentence."""
    score = 0.0
    for index in range(1, end):
        piece = pieces[index]
        going_on = piece.conjunction or piece.connective or piece.participle or listed[index]
        score -= 0.2 if going_on else 0.9 if piece.lower else 1.2
    if end > 1 and pieces[end - 1].sentence_end and not listed[end - 1]:
        score -= 0.8
    return score


def _candidates(pieces: list[_Piece]) -> list[tuple[float, int, int]]:
    """Every (score, title end, time-frame start) tried, best first."""
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
    return scored


@dataclass(slots=True)
class _Entry:
    """One entry of a cell, cut into pieces, with its scored splits."""

    text: str
    starts: list[int]
    ends: list[int]
    pieces: list[_Piece]
    scored: list[tuple[float, int, int]]

    @classmethod
    def of(cls, entry: str) -> _Entry | None:
        text = entry.strip()
        if not text:
            return None
        # Offsets, not re-joined pieces, so description and time frame are the source text verbatim.
        starts, ends = _split_pieces(text)
        if len(starts) == 1 or not text[: ends[0]].strip():
            return cls(text, starts, ends, [], [])  # one field, or no title before its first comma: kept whole
        if len(starts) > _MAX_PIECES:
            head, tail = _MAX_TITLE_PIECES + 1, _MAX_TIME_PIECES + 1
            starts = [*starts[:head], starts[head], *starts[-tail:]]
            ends = [*ends[:head], ends[-tail - 1], *ends[-tail:]]
        pieces = [_Piece.of(text[s:e]) for s, e in zip(starts, ends, strict=True)]
        return cls(text, starts, ends, pieces, _candidates(pieces))

    def shape(self, title: int, frame: int) -> tuple[bool, bool, bool]:
        """(one-piece title, has a description, has a time frame) of a split."""
        return title == 1, frame > title, frame < len(self.pieces)

    def outcome(self, kind: OutcomeKind, bonus: Callable[[_Entry, int, int], float],
                warnings: list[str] | None) -> Outcome:
        if not self.scored:
            return Outcome(kind=kind, measure=self.text)
        rescored = sorted(((score + bonus(self, title, frame), title, frame) for score, title, frame in self.scored),
                          key=lambda item: -item[0])
        _, title, frame = rescored[0]
        measure = self.text[: self.ends[title - 1]].strip()
        description = self.text[self.starts[title] : self.ends[frame - 1]].strip() if frame > title else ""
        time_frame = self.text[self.starts[frame] :].strip() if frame < len(self.pieces) else ""
        if len(rescored) > 1 and rescored[0][0] - rescored[1][0] < _AMBIGUOUS and warnings is not None:
            warnings.append(
                f"outcome {measure[:60]!r}: where its title, description and time frame split is uncertain; "
                f"read time frame {time_frame[:60]!r}"
            )
        return Outcome(kind=kind, measure=measure, description=description or None, time_frame=time_frame or None)


def _no_bonus(entry: _Entry, title: int, frame: int) -> float:
    return 0.0


def _consistency(entries: list[_Entry]) -> Callable[[_Entry, int, int], float]:
    """A bonus for splits shaped like the other entries' best splits in the same cell (their
    titles one piece or more, descriptions and time frames present or not), and for a first
    piece that other entries share as theirs: a title repeated with different descriptions.
    The cell's totals are counted once; each entry takes its own shape out of them."""
    split = [e for e in entries if e.scored]
    shapes = {id(e): e.shape(e.scored[0][1], e.scored[0][2]) for e in split}
    totals = [sum(shape[feature] for shape in shapes.values()) for feature in range(3)]
    firsts: dict[str, int] = {}
    for e in split:
        firsts[e.pieces[0].text] = firsts.get(e.pieces[0].text, 0) + 1

    def bonus(entry: _Entry, title: int, frame: int) -> float:
        own = shapes[id(entry)]
        others = len(split) - 1
        score = _REPEATED_TITLE if title == 1 and firsts.get(entry.pieces[0].text, 0) > 1 else 0.0
        if others:
            weight = _CONSISTENCY * min(1.0, others / 3)
            for feature, has in enumerate(entry.shape(title, frame)):
                share = (totals[feature] - own[feature]) / others
                score += weight * (share if has else 1 - share)
        return score

    return bonus


def split_outcome(entry: str, kind: OutcomeKind = "unknown", warnings: list[str] | None = None) -> Outcome | None:
    """One ``title, description, time frame`` entry as an :class:`Outcome`; None when blank."""
    parsed = _Entry.of(entry)
    return None if parsed is None else parsed.outcome(kind, _no_bonus, warnings)


def split_outcome_cell(cell: str | None, kind: OutcomeKind = "unknown",
                       warnings: list[str] | None = None) -> list[Outcome]:
    """All outcomes of a ``|``-joined cell, in order, each split in the light of the others;
    entries whose split is a guess are reported in ``warnings``."""
    if not cell:
        return []
    raw = cell.split("|")
    if len(raw) > MAX_LIST_ITEMS:  # base.overlong_list rejects the study: one entry over the bound is enough
        return [Outcome(kind=kind, measure=entry.strip() or "-") for entry in raw[: MAX_LIST_ITEMS + 1]]
    entries = [parsed for entry in raw if (parsed := _Entry.of(entry)) is not None]
    bonus = _consistency(entries)
    return [entry.outcome(kind, bonus, warnings) for entry in entries]
