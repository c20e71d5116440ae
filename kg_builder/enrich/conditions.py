"""Conditions: a canonical name (case, spelling, plural variants folded), the base disease with
the qualifiers taken off, and the qualifiers as population facets (HER2-positive, metastatic …)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg_builder.enrich.text import alternatives, clean
from kg_builder.model import MeshTerm

_SPELLING = tuple((re.compile(a, re.IGNORECASE), b) for a, b in (
    (r"tumour", "tumor"), (r"oesophag", "esophag"), (r"haemat", "hemat"), (r"leukaemia", "leukemia"),
    (r"anaemia", "anemia"), (r"oedema", "edema"), (r"\bcancers\b", "cancer"), (r"\bcarcinomas\b", "carcinoma"),
    (r"\bnon[- ]small[- ]cell\b", "non-small cell"), (r"\bsmall[- ]cell\b", "small cell"),
))
# (code, label, pattern)
FACETS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (code, label, re.compile(pattern, re.IGNORECASE)) for code, label, pattern in (
        ("HER2_LOW", "HER2-low", r"\bHER-?2[- ]?low\b"),
        ("HER2_POSITIVE", "HER2-positive",
         r"\b(?:HER-?2|ERBB2)(?:/neu)?[- ]?(?:positive|\+|over-?expressing|amplified)"),
        ("HER2_NEGATIVE", "HER2-negative", r"\b(?:HER-?2|ERBB2)[- ]?(?:negative|-(?=\s|$))"),
        ("TRIPLE_NEGATIVE", "triple-negative", r"triple[- ]negative|\bTNBC\b"),
        ("HR_POSITIVE", "hormone-receptor-positive",
         r"\b(?:HR|hormone[- ]receptor|ER|estrogen[- ]receptor|oestrogen[- ]receptor)[- ]?(?:positive|\+)"),
        ("HR_NEGATIVE", "hormone-receptor-negative",
         r"\b(?:HR|hormone[- ]receptor|ER|estrogen[- ]receptor)[- ]?(?:negative|-(?=\s|$))"),
        ("LOCALLY_ADVANCED", "locally advanced", r"locally[- ]advanced"),
        ("METASTATIC", "metastatic", r"\bmetasta(?:tic|ses|sis)\b|\bmetastatic\b"),
        ("RECURRENT", "recurrent", r"\brecurren(?:t|ce)\b|\brelapsed\b"),
        ("ADVANCED", "advanced", r"(?<!locally )(?<!locally-)\badvanced\b"),
        ("UNRESECTABLE", "unresectable", r"\bunresectable\b|\binoperable\b"),
        ("CASTRATION_RESISTANT", "castration-resistant", r"castrat(?:ion|e)[- ]resistant|\bm?CRPC\b"),
        ("EARLY_STAGE", "early-stage", r"\bearly[- ]stage\b|\bearly breast\b"),
    )
)
# matches somewhere exactly when one of the facets does (an alternation of them)
_ANY_FACET = alternatives([pattern for _code, _label, pattern in FACETS])
_CONNECTORS = re.compile(r"^(?:and|or|and/or|with|,|/)\s+|\s+(?:and|or|and/or|with|,|/)$", re.IGNORECASE)
# A facet named by a noun is the condition itself, not a qualifier of it: "bone metastases" is not
# "bone", "biochemical recurrence of prostate cancer" not "biochemical of prostate cancer".
_FACET_NOUN = re.compile(r"(?:metasta(?:ses|sis)|recurrence)$", re.IGNORECASE)
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")  # an abbreviation's brackets, emptied with it
# A coordination left without one of its members: the facet was coordinated with a word that is
# not one ("(primary or recurrent)"), so the rest is no condition name.
_BROKEN_COORDINATION = re.compile(
    r"\b(?:and|or|and/or|with)\s*(?:[),;/]|$)|(?:^|[(,;/])\s*(?:and|or|and/or)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ConditionFacts:
    raw: str
    canonical: str
    base: str  # canonical with the facet words removed
    facets: tuple[str, ...]


@lru_cache(maxsize=8192)  # 90.6% of calls hit, unbounded 91.2% (bench/caches.py, 20k studies)
def canonical_condition(raw: str) -> str:
    text = clean(raw).casefold().strip(" .,;:")
    for pattern, replacement in _SPELLING:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text)


# titles and condition names repeat across records; conditions are read twice: 40.4% hit, unbounded 40.7%
@lru_cache(maxsize=32768)
def facets_in(text: str) -> tuple[str, ...]:
    if _ANY_FACET.search(text) is None:  # one scan for the many titles that name no facet
        return ()
    return tuple(code for code, _label, pattern in FACETS if pattern.search(text))


@lru_cache(maxsize=8192)  # 77.3% of calls hit, unbounded 78.0% (bench/caches.py, 20k studies)
def analyse_condition(raw: str) -> ConditionFacts:
    canonical = canonical_condition(raw)
    facets = facets_in(raw)
    return ConditionFacts(raw, canonical, _base(canonical), facets)


def _base(canonical: str) -> str:
    """The condition with its qualifying facet words (adjectives) taken off; ``canonical`` itself
    when taking them off leaves no condition name."""
    base = canonical
    for _code, _label, pattern in FACETS:
        base = pattern.sub(lambda m: m.group(0) if _FACET_NOUN.search(m.group(0)) else " ", base)
    base = _EMPTY_BRACKETS.sub(" ", base)
    base = re.sub(r"\s+", " ", base).strip(" ,;-/")
    for _ in range(3):
        base = _CONNECTORS.sub("", base).strip(" ,;-/")
    if not base or _BROKEN_COORDINATION.search(base):
        return canonical
    return base


def facet_label(code: str) -> str:
    return next(label for c, label, _p in FACETS if c == code)


def mesh_matches(name: str, meshes: list[MeshTerm]) -> list[tuple[MeshTerm, bool]]:
    """(term, exact) for the record's condition MeSH terms naming this condition: equal when folded
    (exact), or equal once "cancer"/"tumor" is read as MeSH's "neoplasms" (close)."""
    facts = analyse_condition(name)
    names = {facts.canonical, facts.base}
    loose = {re.sub(r"\b(?:cancer|tumor|neoplasm)s?\b", "neoplasms", n) for n in names}
    out = []
    for mesh in meshes:
        term = canonical_condition(mesh.term)
        if term in names:
            out.append((mesh, True))
        elif re.sub(r"\b(?:cancer|tumor|neoplasm)s?\b", "neoplasms", term) in loose:
            out.append((mesh, False))
    return out
