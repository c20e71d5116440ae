"""Dosing statements → structured doses: amount, unit, per-kg/per-m² basis, loading vs maintenance,
interval, cycle length, number of cycles, route and infusion duration, each with its source text.

A text naming several drugs ("Docetaxel: 75mg/m2 …; Trastuzumab: …") is cut at each drug name;
each amount's attributes are read between it and its neighbours.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from kg_builder.enrich.text import clean
from kg_builder.enrich.time_frames import duration

_AMOUNT = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)(?:\s*(?:-|–|to|~)\s*(\d+(?:\.\d+)?))?\s*"
    r"(mg|g|µg|μg|ug|mcg|ng|IU|units?|mCi|MBq|GBq)(?![a-zA-Z])"
    r"(?:\s*/\s*(kg|m2|m²|m\^2|m 2|m\b))?",
    re.IGNORECASE,
)
_AUC = re.compile(r"\bAUC\s*(?:of\s*|=\s*)?(\d+(?:\.\d+)?)", re.IGNORECASE)
_LOADING = re.compile(r"\bloading\b|\binitial dose\b|\bfirst dose\b|\binitial\b", re.IGNORECASE)
_MAINTENANCE = re.compile(r"\bmaintenance\b|\bthereafter\b|\bafterwards?\b|\bsubsequent\b|\bthen\b",
                          re.IGNORECASE)
_WORDNUM = {"one": "1", "two": "2", "three": "3", "four": "4", "six": "6", "other": "2"}
_INTERVALS: tuple[tuple[re.Pattern[str], str | None], ...] = tuple(
    (re.compile(p, re.IGNORECASE), d) for p, d in (
        (r"\bevery\s+(\d+|one|two|three|four|six|other)\s*(day|week|month)s?\b", None),
        (r"\bq\s?(\d)\s?w(?:ks?)?\b", "weeks"),
        (r"\bonce (?:a|per|every) week\b|\bweekly\b|\bQ1W\b", "P7D"),
        (r"\btwice (?:a day|daily)\b|\bBID\b|\bb\.i\.d\b", "PT12H"),
        (r"\bonce (?:a|per) day\b|\bonce daily\b|\bdaily\b|\bQD\b|\bq\.d\b", "P1D"),
        (r"\bEOW\b|\bevery other week\b|\bbiweekly\b", "P14D"),
    )
)
_CYCLE_LENGTH = re.compile(r"\b(\d+)[- ]day (?:treatment )?cycles?\b|\bcycles? (?:of|is|=)\s*(\d+) days\b|"
                           r"\b(\d+)[- ]week (?:treatment )?cycles?\b", re.IGNORECASE)
_CYCLES = re.compile(r"\b(?:total of|for|up to|maximum of|x|×)\s*(\d+)\s*cycles\b|\b(\d+)\s*cycles\b",
                     re.IGNORECASE)
_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(p, re.IGNORECASE)) for code, p in (
        ("INTRAVENOUS", r"\bintravenous(?:ly)?\b|(?-i:\bIV\b)|\bi\.v\."),
        ("SUBCUTANEOUS", r"\bsubcutaneous(?:ly)?\b|(?-i:\bSC\b|\bSQ\b)|\bs\.c\."),
        ("ORAL", r"\boral(?:ly)?\b|(?-i:\bPO\b)|\bby mouth\b|\bper os\b"),
        ("INTRAMUSCULAR", r"\bintramuscular(?:ly)?\b|(?-i:\bIM\b)"),
        ("INTRATUMORAL", r"\bintratumou?ral(?:ly)?\b"),
        ("INTRATHECAL", r"\bintrathecal(?:ly)?\b"),
        ("INHALED", r"\binhal(?:ed|ation)\b"),
        ("TOPICAL", r"\btopical(?:ly)?\b"),
        ("SUBLINGUAL", r"\bsublingual(?:ly)?\b"),
    )
)
_INFUSION = re.compile(
    r"\b(?:infusion|infused)\b[^.;]{0,25}?\b(?:over|for|during)\s+(\d+)\s*(?:-|to)?\s*(?:\d+\s*)?"
    r"(minutes?|mins?|hours?|h)\b|\b(\d+)[- ](minute|min|hour)s? (?:iv |intravenous )?infusion",
    re.IGNORECASE,
)
_EVIDENCE_MAX = 1000  # characters of a drug's statement kept whole as each dose's evidence
# A description or arm states a few doses, a protocol's schedule a few dozen. A text giving more
# than this is broken or hostile (200,000 characters of "0.5 mg/kg " are 20,000 doses, 140,000
# triples, a second to map): the first are read and the rest is a warning.
MAX_DOSES = 1_000
_BASIS = {"kg": "BODY_WEIGHT", "m2": "BODY_SURFACE_AREA", "m²": "BODY_SURFACE_AREA",
          "m^2": "BODY_SURFACE_AREA", "m 2": "BODY_SURFACE_AREA", "m": "BODY_SURFACE_AREA"}


@dataclass(frozen=True, slots=True)
class Dose:
    drug: str  # canonical drug name
    amount: float | None = None
    amount_max: float | None = None  # upper end of a range ("5-10 mg/kg")
    unit: str | None = None  # mg, µg, IU, AUC …
    basis: str | None = None  # BODY_WEIGHT / BODY_SURFACE_AREA / FLAT
    phase: str | None = None  # LOADING / MAINTENANCE
    interval: str | None = None  # xsd:duration between administrations
    cycle_length: str | None = None  # xsd:duration
    cycles: int | None = None
    route: str | None = None
    infusion_duration: str | None = None  # xsd:duration
    text: str = ""  # the source passage


def doses_in(text: str, drugs: dict[str, str], warnings: list[str] | None = None) -> list[Dose]:
    """Doses stated in ``text``; ``drugs`` maps each way a drug may be written to its canonical name.

    With a single drug and no name in the text, the whole text is about that drug. At most
    MAX_DOSES are read from one text; a text that states more is noted in ``warnings``.
    """
    text = clean(text)
    if not text or not drugs:
        return []
    segments = _segments(text, drugs)
    out: list[Dose] = []
    for drug, segment in segments:
        room = MAX_DOSES - len(out)
        found = _segment_doses(drug, segment, limit=room + 1)
        if len(found) > room:
            out.extend(found[:room])
            if warnings is not None:
                warnings.append(f"a text states more than {MAX_DOSES:,} doses; the first {MAX_DOSES:,} are read: "
                                f"{text[:60]!r}…")
            break
        out.extend(found)
    return out


@lru_cache(maxsize=8192)  # 91.3% of calls hit, unbounded 91.4% (bench/caches.py, 20k studies)
def _name_pattern(key: str) -> re.Pattern[str]:
    """One drug name as a whole word, compiled once per name: names repeat across records, the sets of
    names a record gives rarely do (a pattern per set was compiled for nearly every record)."""
    return re.compile(r"(?<![\w-])" + re.escape(key) + r"(?![\w-])", re.IGNORECASE)


def name_hits(text: str, keys: list[str]) -> list[tuple[int, str]]:
    """(start, words) of every name of ``keys`` in ``text``, as one alternation of them in this order
    finds them: at the earliest position where a name matches, the first name (in order) that matches
    there; then on from its end. Each name is searched on its own and searched again only once the
    scan has passed its next match, so the text is read once per name."""
    if not all(keys):  # an empty name matches everywhere, with no width: the alternation itself
        pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])", re.IGNORECASE)
        return [(m.start(), m.group(1)) for m in pattern.finditer(text)]
    patterns = [_name_pattern(key) for key in keys]
    nexts = [pattern.search(text) for pattern in patterns]
    hits = []
    while True:
        starts = [m.start() for m in nexts if m is not None]
        if not starts:
            return hits
        at = min(starts)
        found = next(m for m in nexts if m is not None and m.start() == at)
        hits.append((at, found.group(0)))
        end = found.end()
        nexts = [pattern.search(text, end) if m is not None and m.start() < end else m
                 for pattern, m in zip(patterns, nexts, strict=True)]


def _segments(text: str, drugs: dict[str, str]) -> list[tuple[str, str]]:
    keys = sorted(drugs, key=len, reverse=True)  # longest first: "5-FU" before "FU"
    hits = [(start, drugs[_key(words, drugs)]) for start, words in name_hits(text, keys)]
    canonical = set(drugs.values())
    if not hits:
        return [(next(iter(canonical)), text)] if len(canonical) == 1 else []
    segments = []
    for index, (start, drug) in enumerate(hits):
        end = hits[index + 1][0] if index + 1 < len(hits) else len(text)
        if index == 0 and len(canonical) == 1:
            start = 0
        segments.append((drug, text[start:end]))
    return segments


def _key(found: str, drugs: dict[str, str]) -> str:
    lowered = found.casefold()
    return next(k for k in drugs if k.casefold() == lowered)


def _segment_doses(drug: str, segment: str, limit: int | None = None) -> list[Dose]:
    aucs = [(m.start(), m.end(), m) for m in _AUC.finditer(segment)]
    # "AUC 5 mg/mL/min" is one carboplatin dose, not also 5 mg. The AUC matches do not overlap, so
    # the last one starting at or before an amount is the only one that can hold it (a search, not a
    # scan of every AUC for every amount: that was quadratic in a text of thousands of both).
    auc_starts = [a[0] for a in aucs]

    def in_auc(start: int) -> bool:
        k = bisect_right(auc_starts, start) - 1
        return k >= 0 and start <= aucs[k][1] + 1

    amounts = [(m.start(), m.end(), m) for m in _AMOUNT.finditer(segment) if not in_auc(m.start())]
    amounts += aucs
    amounts.sort(key=lambda a: a[0])
    if limit is not None:
        del amounts[limit:]
    if not amounts:
        route, interval, cycle, cycles, infusion = _attributes(segment)
        if route or cycle or interval:  # "Administer by intravenous infusion, with a 21-day treatment cycle"
            return [Dose(drug, route=route, interval=interval, cycle_length=cycle, cycles=cycles,
                         infusion_duration=infusion, text=segment.strip())]
        return []
    doses = []
    whole = segment.strip()
    for index, (start, end, match) in enumerate(amounts):
        window_start = amounts[index - 1][1] if index else 0
        window_end = amounts[index + 1][0] if index + 1 < len(amounts) else len(segment)
        before, after = segment[window_start:start], segment[end:window_end]
        # The evidence is the drug's whole statement when short; in a long one, each dose keeps only
        # its own stretch (the stretches do not overlap, so evidence grows with the text, not its square).
        evidence = whole if len(whole) <= _EVIDENCE_MAX else segment[window_start:window_end].strip()
        clause_after = re.split(r";", after)[0]
        phase = None
        if _LOADING.search(before.split(";")[-1]) or _LOADING.search(clause_after.split(",")[0]):
            phase = "LOADING"
        elif _MAINTENANCE.search(before.split(";")[-1]) or _MAINTENANCE.search(clause_after):
            phase = "MAINTENANCE"
        route, interval, cycle, cycles, infusion = _attributes(after)
        if not (route and interval):
            b_route, b_interval, b_cycle, b_cycles, b_infusion = _attributes(before.split(";")[-1])
            route, interval = route or b_route, interval or b_interval
            cycle, cycles, infusion = cycle or b_cycle, cycles or b_cycles, infusion or b_infusion
        if phase == "LOADING":
            interval = None  # a loading dose is given once
        if match.re is _AUC:
            amount, amount_max, unit, basis = float(match.group(1)), None, "AUC", None
        else:
            amount = float(match.group(1))
            amount_max = float(match.group(2)) if match.group(2) else None
            unit = match.group(3).replace("μ", "µ").replace("ug", "µg").replace("mcg", "µg")
            basis = _BASIS.get((match.group(4) or "").lower(), "FLAT")
        doses.append(Dose(drug, amount, amount_max, unit, basis, phase, interval, cycle, cycles, route,
                          infusion, evidence))
    return doses


def _attributes(text: str) -> tuple[str | None, str | None, str | None, int | None, str | None]:
    route = next((code for code, pattern in _ROUTES if pattern.search(text)), None)
    interval = None
    for pattern, fixed in _INTERVALS:
        match = pattern.search(text)
        if not match:
            continue
        if fixed is None:
            interval = duration(_WORDNUM.get(match.group(1).lower(), match.group(1)), match.group(2))
        elif fixed == "weeks":
            interval = duration(match.group(1), "weeks")
        else:
            interval = fixed
        break
    cycle = None
    cycle_match = _CYCLE_LENGTH.search(text)
    if cycle_match:
        days, days2, weeks = cycle_match.groups()
        cycle = duration(days or days2, "days") if (days or days2) else duration(weeks, "weeks")
    cycles_match = _CYCLES.search(text)
    cycles = int(cycles_match.group(1) or cycles_match.group(2)) if cycles_match else None
    infusion = None
    infusion_match = _INFUSION.search(text)
    if infusion_match:
        number = infusion_match.group(1) or infusion_match.group(3)
        unit = infusion_match.group(2) or infusion_match.group(4)
        infusion = duration(number, "minutes" if unit.lower().startswith("m") else "hours")
    return route, interval, cycle, cycles, infusion
