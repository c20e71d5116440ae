"""Outcome time frames: a duration (xsd:duration lexical form) and start/end anchors, text kept.

"up to 14 months" → P14M (up to); "an average of 2 years" → P2Y (average);
"From day 1 to day 21 of treatment" → start "day 1", end "day 21 of treatment", P21D;
"Week 12" → P84D (XSD durations have no weeks, so weeks become days).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg_builder.enrich.text import clean

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "twelve": 12, "eighteen": 18, "twenty-four": 24, "thirty": 30}
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(_WORDS) + ")"
_UNIT = r"(years?|yrs?|months?|weeks?|wks?|days?|hours?|hrs?|minutes?|mins?)"
_UP_TO = re.compile(rf"\b(?:up to|within|no more than|maximum of|at most)\s+(?:approximately\s+)?{_NUM}\s*{_UNIT}",
                    re.IGNORECASE)
_AVERAGE = re.compile(rf"\b(?:an? )?(?:average|mean|median) (?:of )?(?:approximately\s+)?{_NUM}\s*{_UNIT}",
                      re.IGNORECASE)
_APPROX = re.compile(rf"\b(?:approximately|about|around|~)\s*{_NUM}\s*{_UNIT}", re.IGNORECASE)
_DAY_RANGE = re.compile(r"\bfrom\s+day\s*(\d+)\s+(?:to|until|through)\s+day\s*(\d+)", re.IGNORECASE)
_PLAIN = re.compile(rf"\b{_NUM}[\s-]*{_UNIT}\b", re.IGNORECASE)
_POINT = re.compile(r"\b(year|month|week|day)\s*(\d+)\b", re.IGNORECASE)
_FROM_TO = re.compile(r"\bfrom\s+(?:the\s+)?(.+?)\s+(?:until|to|through|till)\s+(?:the\s+)?(.+?)"
                      r"(?=,|;|\.(?:\s|$)|\s+assessed|\s+up to|\s+or up to|$)", re.IGNORECASE)
_THROUGH = re.compile(r"\b(?:through|until|till|to)\s+(study completion|end of (?:study|treatment)|"
                      r"disease progression|death|progression)", re.IGNORECASE)
_AFTER = re.compile(r"\b(?:post|after|following)[- ](first dose|injection|infusion|randomi[sz]ation|"
                    r"surgery|enrol?lment|treatment|dosing|transplant\w*)", re.IGNORECASE)
_BASELINE = re.compile(r"\bbaseline\b|\bscreening\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TimeFrame:
    text: str
    duration: str | None = None  # xsd:duration lexical form
    qualifier: str | None = None  # UP_TO / AVERAGE / APPROXIMATE / EXACT / LAST_TIMEPOINT
    start: str | None = None  # anchor as the record words it
    end: str | None = None


def duration(number: str, unit: str) -> str | None:
    """``("14", "months")`` → ``P14M``; weeks become days; None when XSD cannot say it exactly."""
    value = float(_WORDS.get(number.lower(), 0) or number)
    unit = unit.lower().rstrip("s")
    if unit in ("wk", "week"):
        value, unit = value * 7, "day"
    if unit in ("year", "yr") and not value.is_integer():
        value, unit = value * 12, "month"
    if not value.is_integer():
        return None
    amount = int(value)
    return {"year": f"P{amount}Y", "yr": f"P{amount}Y", "month": f"P{amount}M", "day": f"P{amount}D",
            "hour": f"PT{amount}H", "hr": f"PT{amount}H", "minute": f"PT{amount}M",
            "min": f"PT{amount}M"}.get(unit)


@lru_cache(maxsize=65536)
def parse_time_frame(text: str) -> TimeFrame:
    text = clean(text)
    found: tuple[str | None, str | None] = (None, None)
    start = end = None
    day_range = _DAY_RANGE.search(text)
    if day_range:
        first, last = int(day_range.group(1)), int(day_range.group(2))
        start, end = f"day {first}", f"day {last}"
        if last >= first:
            found = (f"P{last - first + 1}D", "EXACT")
    for pattern, qualifier in ((_UP_TO, "UP_TO"), (_AVERAGE, "AVERAGE"), (_APPROX, "APPROXIMATE")):
        if found[0]:
            break
        match = pattern.search(text)
        if match:
            found = (duration(match.group(1), match.group(2)), qualifier)
    if not found[0]:
        points = [(m.group(1), m.group(2)) for m in _POINT.finditer(text)]
        plain = [(m.group(1), m.group(2)) for m in _PLAIN.finditer(text)]
        if points:
            values = [(_days(u, n), duration(n, u)) for u, n in points]
            found = (max(values)[1], "LAST_TIMEPOINT" if len(values) > 1 else "EXACT")
        elif len(plain) == 1:
            found = (duration(*plain[0]), "EXACT")
    if start is None:
        span = _FROM_TO.search(text)
        if span:
            start, end = span.group(1).strip(), span.group(2).strip()
    if end is None:
        through = _THROUGH.search(text)
        end = through.group(1) if through else None
    if start is None:
        after = _AFTER.search(text)
        start = after.group(1) if after else ("baseline" if _BASELINE.search(text) else None)
    return TimeFrame(text, found[0], found[1] if found[0] else None, start, end)


def _days(unit: str, number: str) -> float:
    factor = {"year": 365.0, "month": 30.0, "week": 7.0, "day": 1.0}[unit.lower()]
    return factor * float(number)
