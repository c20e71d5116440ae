"""Outcome measures → a category (efficacy, safety, PK, immunogenicity, quality of life, other)
and, where recognised, a normalised measure (every PFS outcome of every trial is one measure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg_builder.enrich.text import alternatives, clean

CATEGORIES = ("EFFICACY", "SAFETY", "PHARMACOKINETICS", "IMMUNOGENICITY", "QUALITY_OF_LIFE", "OTHER")

# (code, label, category, pattern); found by earliest position, so order only breaks ties.
MEASURES: tuple[tuple[str, str, str, re.Pattern[str]], ...] = tuple(
    (code, label, category, re.compile(pattern, re.IGNORECASE if not pattern.startswith("(?-i)") else 0))
    for code, label, category, pattern in (
        ("PCR", "pathological complete response", "EFFICACY", r"patholog\w* complete response|\bpCR\b"),
        ("ORR", "objective response rate", "EFFICACY",
         r"objective (?:tumou?r )?(?:response|remission)(?: rate)?|overall response rate|\bORR\b"),
        ("DCR", "disease control rate", "EFFICACY", r"disease control rate|\bDCR\b"),
        ("CBR", "clinical benefit rate", "EFFICACY", r"clinical benefit rate|\bCBR\b"),
        ("DOR", "duration of response", "EFFICACY",
         r"duration of (?:overall |objective )?response|\bDoR\b|\bDOR\b"),
        ("PFS", "progression-free survival", "EFFICACY", r"progression[- ]free survival|\br?PFS\b"),
        ("DFS", "disease-free survival", "EFFICACY", r"disease[- ]free survival|\bi?DFS\b"),
        ("EFS", "event-free survival", "EFFICACY", r"event[- ]free survival|\bEFS\b"),
        ("OS", "overall survival", "EFFICACY", r"overall survival|(?-i:\bOS\b)"),
        ("TTP", "time to progression", "EFFICACY", r"time to (?:tumou?r )?progression|\bTTP\b"),
        ("DLT", "dose-limiting toxicity", "SAFETY", r"dose[- ]limiting toxicit|\bDLTs?\b"),
        ("MTD", "maximum tolerated dose", "SAFETY", r"maxim(?:um|al) tolerated dose|\bMTD\b"),
        ("RP2D", "recommended phase 2 dose", "SAFETY", r"recommended phase (?:2|II) dose|\bRP2D\b"),
        ("AE", "adverse events", "SAFETY",
         r"adverse (?:events?|reactions?)|(?-i:\b(?:TE|S)?AEs?\b)|side effects"),
        ("TMAX", "time to maximum concentration (Tmax)", "PHARMACOKINETICS",
         r"\bT ?max\b|time to (?:reach )?(?:peak|maximum) (?:\w+ )?concentration|peak (?:plasma )?time"),
        ("CMAX", "maximum concentration (Cmax)", "PHARMACOKINETICS",
         r"\bC ?max\b|peak (?:plasma |serum )?concentration|maximum (?:observed )?(?:plasma |serum )?"
         r"concentration"),
        ("CTROUGH", "trough concentration", "PHARMACOKINETICS", r"trough concentration|\bC ?(?:trough|min)\b"),
        ("AUC", "area under the concentration-time curve (AUC)", "PHARMACOKINETICS",
         r"\bAUC|area under the (?:\w+ )?(?:\w+ )?(?:concentration|curve)"),
        ("HALF_LIFE", "elimination half-life", "PHARMACOKINETICS", r"half[- ]life|\bt ?1/2\b|\bt½"),
        ("MRT", "mean residence time", "PHARMACOKINETICS", r"mean residence time|\bMRT\b"),
        ("CL", "clearance", "PHARMACOKINETICS", r"(?-i:\bCL(?:/F)?\b)|clearance"),
        ("VD", "volume of distribution", "PHARMACOKINETICS",
         r"volume of distribution|(?-i:\bV(?:d|z|ss)(?:/F)?\b)"),
        ("KEL", "elimination rate constant", "PHARMACOKINETICS", r"elimination rate constant|\bK ?el\b|λz"),
        ("ADA", "anti-drug antibodies", "IMMUNOGENICITY",
         r"anti[- ]?drug[- ]antibod|(?-i:\bADAs?\b)|anti-therapeutic antibod"),
        ("NAB", "neutralising antibodies", "IMMUNOGENICITY", r"neutrali[sz]ing antibod|(?-i:\bNAbs?\b)"),
        ("QOL", "quality of life", "QUALITY_OF_LIFE",
         r"quality of life|\bQoL\b|EORTC QLQ|\bFACT-\w|EQ-5D|\bSF-36\b"),
    )
)
MEASURE_CATEGORY: dict[str, str] = {code: category for code, _label, category, _pattern in MEASURES}

_CATEGORY_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern, re.IGNORECASE)) for category, pattern in (
        ("IMMUNOGENICITY", r"immunogenicity"),
        ("PHARMACOKINETICS", r"pharmacokinetic|(?-i:\bPK\b)|plasma concentration|serum concentration"),
        ("QUALITY_OF_LIFE", r"quality of life|patient[- ]reported|\bPROs?\b"),
        ("SAFETY", r"safety|tolerab|toxicit|adverse|side effect|laboratory abnormal|vital signs"),
        ("EFFICACY", r"efficacy|response|survival|progression|remission|recurrence|relapse|tumou?r (?:size|"
                     r"shrinkage)"),
    )
)


@dataclass(frozen=True, slots=True)
class OutcomeFacts:
    category: str
    measure: str | None  # measure code
    measure_label: str | None
    evidence: str


_ANY_MEASURE = alternatives([pattern for _code, _label, _category, pattern in MEASURES])
_ANY_CATEGORY_WORD = alternatives([pattern for _category, pattern in _CATEGORY_WORDS])


@lru_cache(maxsize=32768)  # 82.8% of calls hit, unbounded 83.4% (bench/caches.py, 20k studies)
def _earliest_measure(text: str) -> tuple[str, str, str, str] | None:
    """(code, label, category, words) of the measure named first in ``text``; ties go to the earlier row."""
    match = _ANY_MEASURE.search(text)
    if match is None:
        return None
    code, label, category, _pattern = MEASURES[int(match.lastgroup[1:])]
    return code, label, category, match.group(0)


# titles and descriptions repeat across records ("Overall Survival"): 75.5% of calls hit, unbounded 76.3%
@lru_cache(maxsize=32768)
def _category_word(text: str) -> tuple[str, str] | None:
    if _ANY_CATEGORY_WORD.search(text) is None:  # one scan when no row's words are there
        return None
    for category, pattern in _CATEGORY_WORDS:
        match = pattern.search(text)
        if match:
            return category, match.group(0)
    return None


# Keyed by a title and a description together, which rarely repeat (14.4% of calls would hit an unbounded
# cache at 20k studies, 12.8% this one at 65,536 entries, ~34 MiB), and its costly parts are cached by their
# own text above: 4,096 entries (4.9% hit) cost ~2 MiB.
@lru_cache(maxsize=4096)
def classify_outcome(title: str, description: str | None = None) -> OutcomeFacts:
    """Title first (its measure, then its category words), then the description."""
    title, description = clean(title), clean(description or "")
    in_title = _earliest_measure(title)
    if in_title:  # the title decides: the description (often long) is not read
        return OutcomeFacts(in_title[2], in_title[0], in_title[1], f"measure {in_title[3]!r} in title")
    word = _category_word(title)
    in_description = _earliest_measure(description) if description else None
    measure = in_description
    if word:
        category, phrase = word
        if in_description and in_description[2] != category and category != "EFFICACY":
            measure = None  # "Pharmacokinetics" titled, but the description's first measure is no PK one
        return OutcomeFacts(category, measure[0] if measure else None, measure[1] if measure else None,
                            f"{phrase!r} in title")
    if in_description:
        return OutcomeFacts(in_description[2], in_description[0], in_description[1],
                            f"measure {in_description[3]!r} in description")
    word = _category_word(description) if description else None
    if word:
        return OutcomeFacts(word[0], None, None, f"{word[1]!r} in description")
    return OutcomeFacts("OTHER", None, None, "no category words")


def measure_label(code: str) -> str:
    return next(label for c, label, _cat, _p in MEASURES if c == code)
