"""Split registry eligibility text into inclusion / exclusion criteria.

Shared by every parser (JSON, XML, CSV, registry pages): they pass the criteria
block as plain text and get :class:`~kg_builder.model.Criterion` items back.
The function does **not** undo CommonMark backslash escapes; callers whose
source escapes its text (API v2 JSON, the CSV download, web pages) call
:func:`unescape_commonmark` first, so ``\\- item`` becomes a ``-`` bullet.

Rules, in order of precedence:

* **Headings** switch the kind: a short line (optionally with a bullet, emphasis or
  parentheses) naming one kind with qualifiers before or after it: "Inclusion Criteria",
  "Phase 1 Key Exclusion criteria:", "SIBLING INCLUSION CRITERIA FOR …", "Exclusion
  Criteria (patient group):", "Inclusion Criteria - Cohort B:", "(Non inclusion
  criteria)" (non-inclusion is exclusion), a bare "Inclusion:"; or a line ending in a
  colon that names criteria and one kind ("… the following criteria will be excluded:").
  "Eligibility criteria" counts as an inclusion heading (it lists what a participant must
  meet). A line naming both kinds, or reading as a sentence, is not a heading.
* **Items** start with a bullet (``*``, ``-``, ``+``, ``•`` …) or an ordinal
  (``1.``, ``1)``, ``(1)``, ``a.``, ``(a)``). A line that is not an item continues
  the open item (joined with one space) when it follows it without a blank
  line or is indented deeper than the item's marker; otherwise it is a paragraph.
* **Nesting**: an item indented deeper than the previous one is its child; an
  ordered list that starts at ``1``/``a`` right after an item of another marker
  style at the same indent is also that item's sub-list (registry pages write
  "* Combined diseases:\\n\\n1. …\\n2. …"). A child's ``group`` is its parent item's
  text; the parent stays a criterion itself with its own group.
* **Paragraphs** (unmarked text after a blank line) are criteria, except one that
  ends with ``:`` and is followed by items: it only introduces them and becomes
  their ``group`` ("For adolescent participants:").
* **Before the first heading** (when the text has headings), items count as
  inclusion and paragraphs are a preamble, not criteria.
* **No heading at all**: every item is inclusion, unless the text mentions
  exclusion or ineligibility anywhere; then the kinds cannot be told apart and
  the result is empty (the caller keeps the raw text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg_builder.model import Criterion, CriterionKind

# CommonMark: a backslash before any ASCII punctuation character is an escape.
_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")

# A kind word of a criteria heading, with its "criteria" when it has one. "Non-inclusion" and
# "ineligibility" are exclusion; "eligibility" needs its "criteria" to count (inclusion).
_KIND_RE = re.compile(
    r"\b(?P<word>non[- ]?inclusion|inclusions?|exclusions?|exclusionary|ineligibility|eligibility)\b"
    r"(?P<crit>\s*criteri(?:a|on)\b)?",
    re.IGNORECASE,
)
# "Criteria for (non-)inclusion" puts the kind after the word "criteria".
_CRITERIA_FOR_RE = re.compile(r"\bcriteri(?:a|on)\s+(?:for|of)\s+(?P<word>non[- ]?inclusion|inclusion|exclusion)\b",
                              re.IGNORECASE)
# Words of a sentence (a criterion that mentions criteria), never of a heading's qualifiers.
_SENTENCE_WORD_RE = re.compile(
    r"\b(?:must|should|shall|will|would|can|cannot|are|is|was|were|be|been|being|have|has|had|do|does|did"
    r"|meet|meets|met|meeting|fulfil\w*|satisf\w*|not|no|other|others|apply|applies|according|per|see"
    r"|listed|above|below|if|who|whom|which|that|than|also|unless|same|as|following)\b",
    re.IGNORECASE,
)
# In a sentence that introduces criteria ("… will be excluded:"), the kind is said by these.
_INTRO_EXCLUSION_RE = re.compile(
    r"\b(?:exclu\w*|non[- ]?inclusion|ineligib\w*|not\s+(?:be\s+)?eligible)\b", re.IGNORECASE
)
_INTRO_INCLUSION_RE = re.compile(r"\b(?:inclu\w*|eligib\w*)\b", re.IGNORECASE)
_CRITERIA_WORD_RE = re.compile(r"\bcriteri(?:a|on)\b", re.IGNORECASE)
# A part of every word a heading can be told by (the kind words above, "criteria" of an introduction):
# a line without one is no heading, and most lines of criteria are not.
_HEADING_WORD_RE = re.compile(r"clusion|eligibility|criteri", re.IGNORECASE)
_EDGE = " \t*_#>-–—:|/.,;"
_MAX_HEADING = 160
_MAX_QUALIFIER_WORDS = 8
_ITEM_RE = re.compile(
    r"^(?P<marker>[*\-+•◦▪·‣]|o(?=\s)|\(?(?P<ord>\d{1,3}|[a-zA-Z])[.)])(?:\s+(?P<text>.*)|$)"
)
_MENTIONS_EXCLUSION_RE = re.compile(r"\bexclu|\binelig|\bnot\s+eligible", re.IGNORECASE)
_FIRST_ORDINALS = frozenset({"1", "a", "A", "i", "I"})


def unescape_commonmark(text: str) -> str:
    """Undo CommonMark backslash escapes (``\\>`` → ``>``, ``m\\^2`` → ``m^2``); nothing else."""
    if "\\" not in text:  # the common case: no regex pass at all
        return text
    return _ESCAPE_RE.sub(r"\1", text)


@dataclass(slots=True)
class _Item:
    kind: CriterionKind
    parts: list[str]
    group: str | None
    indent: int  # column of the marker (or of the paragraph's first line)
    style: str  # "bullet", "ordinal", "para"
    after_heading: bool  # False for text above the first heading
    is_intro: bool = False  # paragraph that only introduces items
    children: int = 0

    @property
    def text(self) -> str:
        return " ".join(self.parts)


@dataclass(slots=True)
class _Level:
    indent: int
    style: str
    parent: _Item | None  # the item this list hangs under
    last: _Item | None = None


@dataclass(slots=True)
class _State:
    items: list[_Item] = field(default_factory=list)
    levels: list[_Level] = field(default_factory=list)
    kind: CriterionKind = "inclusion"
    seen_heading: bool = False
    intro: _Item | None = None  # a paragraph ending in ":" that heads the next items
    current: _Item | None = None
    blank_before: bool = False


def _kind_of(word: str) -> str:
    word = word.lower().replace("-", " ")
    if word.startswith(("non", "exclu", "inelig")):
        return "exclusion"
    return "eligibility" if word == "eligibility" else "inclusion"


def _qualifier(text: str) -> bool:
    """Whether ``text`` around a kind word can qualify a heading: a few words naming a phase,
    part, cohort or population ("Phase 1 Key", "- Cohort Expansion Phase", "(patient group)",
    "for Siblings"), not a sentence."""
    words = text.strip(_EDGE + "()[]").split()
    return len(words) <= _MAX_QUALIFIER_WORDS and not _SENTENCE_WORD_RE.search(text)


def _heading_kind(line: str) -> tuple[CriterionKind, str] | None:
    """(kind, inline text after the colon) when ``line`` is a criteria heading.

    A heading names one kind — inclusion, or exclusion (also "non-inclusion") — with
    qualifiers before or after it ("Phase 1 Key Exclusion Criteria:", "Inclusion Criteria -
    Cohort Expansion Phase:", "Exclusion Criteria (patient group):", "Sibling Inclusion
    Criteria for …"), perhaps in emphasis or parentheses, and text after its colon. A line
    that names both kinds, or whose words read as a sentence ("Other protocol defined
    exclusion criteria may apply"), is not a heading — unless it ends with a colon and
    names criteria and one kind: then it introduces them ("Participants must meet the
    following exclusion criteria:", "Patients meeting any of these criteria will be
    excluded:"). Only a heading's first 160 characters are scanned for its kind.
    """
    if not _HEADING_WORD_RE.search(line):
        return None
    match = _ITEM_RE.match(line)
    body = (match.group("text") or "") if match and match.group("marker") in "*-+•" else line
    text = body.strip().strip("*_#").strip()
    if not text:
        return None
    short = len(text) <= _MAX_HEADING
    if short and text[0] in "([" and text[-1] in ")]":
        text = text[1:-1].strip()
    if short and text.endswith(":") and _CRITERIA_WORD_RE.search(text):
        # A line that ends in a colon and names criteria introduces them ("Participants must meet
        # the following exclusion criteria:", "… criteria are eligible for inclusion:") when its
        # words name one kind.
        excluding = _INTRO_EXCLUSION_RE.search(text)
        including = _INTRO_INCLUSION_RE.search(_INTRO_EXCLUSION_RE.sub(" ", text))
        if bool(excluding) != bool(including):
            return ("exclusion" if excluding else "inclusion"), ""
    window = text[:_MAX_HEADING]  # the heading itself; text after its colon may be long
    found = [(m, _kind_of(m.group("word")), bool(m.group("crit"))) for m in _KIND_RE.finditer(window)]
    found += [(m, _kind_of(m.group("word")), True) for m in _CRITERIA_FOR_RE.finditer(window)]
    kinds = {kind for _, kind, _ in found}
    if not found or {"inclusion", "exclusion"} <= kinds:
        return None
    chosen = "exclusion" if "exclusion" in kinds else "inclusion" if "inclusion" in kinds else "eligibility"
    match, _, has_criteria = min((f for f in found if f[1] == chosen), key=lambda f: f[0].start())
    has_criteria = has_criteria or any(c for _, k, c in found if k == chosen)
    prefix, after = text[: match.start()], text[match.end():]
    suffix, colon, rest = after.partition(":")
    if len(prefix) + len(suffix) > _MAX_HEADING:
        return None
    rest = rest.strip().strip("*_").strip()
    if chosen == "eligibility" and not has_criteria:
        return None  # a bare "Eligibility:" is too vague to be a heading
    if not (_qualifier(prefix) and _qualifier(suffix)):
        return None
    if not has_criteria and suffix.strip(_EDGE + "()[]"):
        return None  # "Exclusion of patients with …": a criterion, not a heading
    if not colon and suffix.rstrip().endswith(".") and suffix.strip(_EDGE):
        return None
    kind: CriterionKind = "exclusion" if chosen == "exclusion" else "inclusion"
    return kind, rest


def split_criteria(text: str) -> tuple[Criterion, ...]:
    """Split registry eligibility ``text`` into inclusion / exclusion criteria (rules above)."""
    state = _State()
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.expandtabs(4)
        stripped = line.strip()
        if not stripped:
            state.blank_before = True
            continue
        indent = len(line) - len(line.lstrip())
        heading = _heading_kind(stripped)
        if heading is not None:
            _close_intro(state)
            state.kind, inline = heading
            state.seen_heading = True
            state.levels.clear()
            state.current = None
            if inline:
                _start_paragraph(state, inline, indent)
            state.blank_before = False
            continue
        match = _ITEM_RE.match(stripped)
        if match and (match.group("text") or "").strip():
            _start_item(state, match, indent)
        elif match:
            state.current = None  # an empty bullet ends the open item
        elif state.current is not None and (not state.blank_before or indent > state.current.indent):
            state.current.parts.append(stripped)
        else:
            _start_paragraph(state, stripped, indent)
        state.blank_before = False
    _close_intro(state)
    return _finish(state, text)


def _start_item(state: _State, match: re.Match[str], indent: int) -> None:
    style = "bullet" if match.group("ord") is None else "ordinal"
    ordinal = match.group("ord")
    levels = state.levels
    while levels and levels[-1].indent > indent:
        levels.pop()
    same = next((i for i in range(len(levels) - 1, -1, -1)
                 if levels[i].indent == indent and levels[i].style == style), None)
    if same is not None and not (same < len(levels) - 1 and ordinal in _FIRST_ORDINALS):
        del levels[same + 1:]  # back to a list we are already in
    elif not levels:
        levels.append(_Level(indent, style, state.intro))
    elif levels[-1].indent < indent or (
        levels[-1].style != style and ordinal in _FIRST_ORDINALS and levels[-1].last is not None
    ):
        levels.append(_Level(indent, style, levels[-1].last))  # a sub-list of the last item
    else:
        levels[-1].style = style  # same indent, new marker style: still siblings
    level = levels[-1]
    parent = level.parent
    if parent is not None:
        parent.children += 1
    group = None if parent is None else (parent.text.rstrip(":").strip() if parent.is_intro else parent.text)
    item = _Item(state.kind, [match.group("text").strip()], group, indent, style, state.seen_heading)
    level.last = item
    state.current = item
    state.items.append(item)


def _start_paragraph(state: _State, text: str, indent: int) -> None:
    _close_intro(state)
    state.levels.clear()
    item = _Item(state.kind, [text], None, indent, "para", state.seen_heading, is_intro=text.endswith(":"))
    state.items.append(item)
    state.current = item
    state.intro = item if item.is_intro else None


def _close_intro(state: _State) -> None:
    """An intro paragraph that introduced nothing is an ordinary criterion after all."""
    if state.intro is not None and state.intro.children == 0:
        state.intro.is_intro = False
    state.intro = None


def _finish(state: _State, text: str) -> tuple[Criterion, ...]:
    if not state.seen_heading and _MENTIONS_EXCLUSION_RE.search(text):
        return ()
    out: list[Criterion] = []
    for item in state.items:
        if item.style == "para" and state.seen_heading and not item.after_heading:
            continue  # preamble above the first heading
        if item.is_intro and item.children:
            continue
        out.append(Criterion(item.kind, item.text, item.group))
    return tuple(out)
