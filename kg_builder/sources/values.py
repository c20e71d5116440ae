"""Small value readers shared by the text layouts (classic XML, CSV, registry page, flat record).

These layouts spell the registry's enumerations as labels ("Active, not recruiting",
"Phase 1/Phase 2", "None (Open Label)") or as codes, and dates as text ("May 11, 2018",
"4/11/2022"). Everything here turns such text into the API v2 codes and ISO dates the
canonical :class:`~kg_builder.model.Study` holds, and never raises on bad text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from kg_builder.model import Criterion, Intervention, PartialDate

# Label spellings whose code is not simply the label upper-cased with "_" for gaps.
_CODE_ALIASES: dict[str, str] = {
    "N_A": "NA",
    "UNKNOWN_STATUS": "UNKNOWN",
    "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
    "PARALLEL_ASSIGNMENT": "PARALLEL",
    "CROSSOVER_ASSIGNMENT": "CROSSOVER",
    "FACTORIAL_ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
    "NO_MASKING": "NONE",
    "OPEN_LABEL": "NONE",
    "U_S_FED": "FED",
    "INDIVIDUAL": "INDIV",
    "ANTICIPATED": "ESTIMATED",
    "ESTIMATE": "ESTIMATED",
    "CASE_CONTROL": "CASE_CONTROL",
    "EARLY_PHASE_1": "EARLY_PHASE1",
    # results: older exports write dispersion, CI sides and analysis codes as labels
    "80_CONFIDENCE_INTERVAL": "CONFIDENCE_80",
    "90_CONFIDENCE_INTERVAL": "CONFIDENCE_90",
    "95_CONFIDENCE_INTERVAL": "CONFIDENCE_95",
    "97_5_CONFIDENCE_INTERVAL": "CONFIDENCE_975",
    "99_CONFIDENCE_INTERVAL": "CONFIDENCE_99",
    "OTHER_CONFIDENCE_INTERVAL_LEVEL": "CONFIDENCE_OTHER",
    "GEOMETRIC_COEFFICIENT_OF_VARIATION": "GEOMETRIC_COEFFICIENT",
    "STANDARD_ERROR_OF_THE_MEAN": "STANDARD_ERROR_OF_MEAN",
    "1_SIDED": "ONE_SIDED",
    "2_SIDED": "TWO_SIDED",
}
_PHASE_RE = re.compile(r"(early\s*phase\s*1|phase\s*[1-4]|\bn/?a\b)", re.IGNORECASE)
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")


def to_code(label: str | None) -> str | None:
    """``"Active, not recruiting"`` → ``ACTIVE_NOT_RECRUITING``; codes pass through unchanged.

    A parenthesised tail is dropped first (``"Quadruple (Participant, …)"`` → ``QUADRUPLE``,
    ``"None (Open Label)"`` → ``NONE``), as API v2 keeps that detail in other fields.
    """
    if label is None:
        return None
    text = label.strip()
    if not text:
        return None
    head = text.split("(", 1)[0].split("[", 1)[0].strip() or text
    code = _NON_WORD.sub("_", head).strip("_").upper()
    return _CODE_ALIASES.get(code, code) or None


def phase_codes(text: str | None) -> list[str]:
    """``"Phase 1/Phase 2"`` → ``["PHASE1", "PHASE2"]``, ``"N/A"`` → ``["NA"]``; codes pass through."""
    if not text:
        return []
    codes: list[str] = []
    # White space squeezed first: the split below, led by "\s+", was retried from every space of a
    # long run (quadratic: minutes for a cell of 200,000 spaces).
    text = re.sub(r"\bN/A\b", "NA", " ".join(text.split()), flags=re.IGNORECASE)
    for token in re.split(r"[|,/;]\s*|\s+(?=PHASE|EARLY|NA\b)", text):
        token = token.strip()
        if re.fullmatch(r"(EARLY_PHASE1|PHASE[1-4]|NA)", token):
            code = token
        else:
            match = _PHASE_RE.search(token)
            if not match:
                continue
            found = re.sub(r"\s+", "", match.group(1).upper())
            code = {"EARLYPHASE1": "EARLY_PHASE1", "N/A": "NA"}.get(found, found)
        if code not in codes:
            codes.append(code)
    return codes


_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_TEXT_DATE = re.compile(r"^([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_US_MONTH = re.compile(r"^(\d{1,2})/(\d{4})$")


def parse_date(text: str | None, type: str | None = None) -> PartialDate | None:
    """Read ISO (``2025-06-23``, ``2025-06``), text (``May 11, 2018``, ``May 2018``) or US
    slash dates (``4/11/2022``) at the precision written; None when unreadable."""
    if not text:
        return None
    value = text.strip()
    try:
        return PartialDate.parse(value, type)
    except ValueError:
        pass
    iso: str | None = None
    if match := _TEXT_DATE.match(value):
        month = _MONTHS.get(match.group(1).lower())
        if month is None:
            return None
        day, year = match.group(2), match.group(3)
        iso = f"{year}-{month:02d}-{int(day):02d}" if day else f"{year}-{month:02d}"
    elif match := _US_DATE.match(value):
        iso = f"{match.group(3)}-{int(match.group(1)):02d}-{int(match.group(2)):02d}"
    elif match := _US_MONTH.match(value):
        iso = f"{match.group(2)}-{int(match.group(1)):02d}"
    if iso is None:
        return None
    try:
        return PartialDate.parse(iso, type)
    except ValueError:
        return None


def unescape(text: str) -> str:
    """Decode HTML entities (``&amp;``, ``&#39;``) that CSV exports leave in cells."""
    return html.unescape(text) if "&" in text else text


def plain(text: str) -> str:
    """Registry free text as the JSON parser reads it: CommonMark backslash escapes undone."""
    from kg_builder.sources.eligibility_text import unescape_commonmark

    return unescape_commonmark(text)


def split_list(cell: str | None, sep: str = "|") -> list[str]:
    """A ``|``-joined cell as its non-empty, stripped items."""
    if not cell:
        return []
    return [item.strip() for item in cell.split(sep) if item.strip()]


def yes_no(text: str | None) -> bool | None:
    """``Yes``/``No`` (and ``Accepts Healthy Volunteers``) as a bool; None when neither."""
    if not text:
        return None
    value = text.strip().lower()
    if value in ("yes", "y", "true", "accepts healthy volunteers"):
        return True
    if value in ("no", "n", "false"):
        return False
    return None


# Digits of the longest whole number read: a count or identifier of a record is far shorter, and
# Python refuses to read a string of 4,300 digits or more (ValueError), a parser bug it was.
MAX_DIGITS = 18


def whole_number(text: str | None) -> int | None:
    """``text`` (stripped) as a whole number when it is one (decimal digits, at most MAX_DIGITS), else None.
    ``str.isdigit`` is no test: "²" is a digit that ``int`` refuses."""
    value = (text or "").strip()
    return int(value) if value.isdecimal() and len(value) <= MAX_DIGITS else None


def parse_int(text: str | None) -> int | None:
    """The first whole number in ``text`` (``"642 participants"`` → 642), else None."""
    if not text:
        return None
    match = re.search(r"\d[\d,]*", text)
    if not match:
        return None
    return whole_number(match.group(0).replace(",", ""))


# Registry statuses under which ClinicalTrials.gov shows an *anticipated* enrollment:
# recruitment is not over, so the count cannot be the actual one.
_ESTIMATED_WHEN = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})


def inferred_enrollment_type(status: str | None) -> str | None:
    """ESTIMATED for a study still recruiting, else None (unknown: do not guess ACTUAL)."""
    return "ESTIMATED" if status in _ESTIMATED_WHEN else None


# "R&D code: B003", "code name: XYZ-123", "research code: AB12"
_CODE_NAME = re.compile(
    r"\b(?:r\s*&\s*d|research|development|drug|compound)?\s*code(?:\s*name)?\s*[:：]\s*"
    r"([A-Za-z0-9][A-Za-z0-9\-_/]*[A-Za-z0-9])",
    re.IGNORECASE,
)
_INTERVENTION_CELL = re.compile(r"^([A-Z][A-Z_ ]*[A-Z]):\s*(.+)$", re.DOTALL)


def parse_intervention(cell: str) -> Intervention | None:
    """One ``TYPE: name`` item of a CSV Interventions cell.

    The name stays exactly as registered (so the same study read from JSON or XML gets the
    same intervention name); a code name written inside it ("…R&D code: B003.") is added
    to ``other_names`` so it can still be searched for.
    """
    text = cell.strip()
    if not text:
        return None
    match = _INTERVENTION_CELL.match(text)
    type_, name = (to_code(match.group(1)), match.group(2).strip()) if match else (None, text)
    other = tuple(dict.fromkeys(m.group(1) for m in _CODE_NAME.finditer(name) if m.group(1) != name))
    return Intervention(name=name, type=type_, other_names=other)


def criteria_from_text(text: str | None) -> tuple[Criterion, ...]:
    """Split eligibility text into criteria with the shared splitter, when it is installed."""
    if not text:
        return ()
    try:
        from kg_builder.sources.eligibility_text import split_criteria
    except ImportError:  # the shared splitter lands separately; criteria_text keeps the text
        return ()
    try:
        return tuple(split_criteria(text))
    except Exception:  # a splitter bug must not cost us the study; the text is kept anyway
        return ()


def dedupe(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))


def canonical_url(url: str | None) -> str | None:
    """``url`` with its scheme and host in lower case (RFC 3986 §6.2.2.1): the same address, one spelling."""
    if not url:
        return None
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        return url.strip()
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"
