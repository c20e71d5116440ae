"""ADC anatomy: an antibody–drug conjugate's payload and the payload's class.

An ADC's INN is two words, the antibody and its linker-payload ("trastuzumab deruxtecan"); the
second word names the payload, and WHO INN stems name its class (``-tecan`` topoisomerase I
inhibitors, ``-dotin`` auristatins, ``-tansine`` maytansinoids, ``-bulin`` tubulin binders).
Records without an INN say it in words ("conjugated to a topoisomerase I inhibitor", "MMAE").
Every payload word, stem and text term is a row of ``kg_builder/data/payloads.csv`` with its
source; a code name alone names no payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from kg_builder.enrich.lexicon import data_rows, lookup_drug
from kg_builder.enrich.text import fold

# notation → label, as in ontology/codelists/payload-class.ttl
PAYLOAD_CLASS_LABELS = {
    "TOPOISOMERASE_I_INHIBITOR": "topoisomerase I inhibitor",
    "AURISTATIN": "auristatin",
    "MAYTANSINOID": "maytansinoid",
    "PYRROLOBENZODIAZEPINE": "pyrrolobenzodiazepine",
    "CALICHEAMICIN": "calicheamicin",
    "DUOCARMYCIN": "duocarmycin",
    "TUBULIN_INHIBITOR": "other tubulin inhibitor",
    "MICROTUBULE_INHIBITOR": "microtubule inhibitor",
    "DNA_DAMAGING": "DNA-damaging agent",
}
PAYLOAD_CLASSES = tuple(PAYLOAD_CLASS_LABELS)


@dataclass(frozen=True, slots=True)
class Payload:
    """What an ADC carries: a named payload (or None when only its class is known) and its class."""

    name: str | None
    payload_class: str
    evidence: str


@dataclass(frozen=True, slots=True)
class _Row:
    term: str
    kind: str  # inn / stem / text
    payload: str
    payload_class: str
    source: str


@cache
def _rows() -> tuple[_Row, ...]:
    rows = []
    for row in data_rows("payloads.csv"):
        if row["payload_class"] not in PAYLOAD_CLASSES:
            raise ValueError(f"payloads.csv: {row['term']!r} has unknown class {row['payload_class']!r}")
        if row["kind"] not in ("inn", "stem", "text") or not row["source"]:
            raise ValueError(f"payloads.csv: {row['term']!r} needs a kind (inn/stem/text) and a source")
        rows.append(_Row(row["term"], row["kind"], row["payload"], row["payload_class"], row["source"]))
    return tuple(rows)


@cache
def _by_word() -> dict[str, _Row]:
    return {row.term.casefold(): row for row in _rows() if row.kind == "inn"}


@cache
def _stems() -> tuple[_Row, ...]:
    return tuple(row for row in _rows() if row.kind == "stem")


@cache
def _text_pattern() -> tuple[re.Pattern[str], dict[str, _Row]]:
    rows = sorted((r for r in _rows() if r.kind in ("text", "inn")), key=lambda r: -len(r.term))
    by_term = {row.term.casefold(): row for row in rows}
    parts = [re.escape(r.term) if r.term.isupper() or any(c.isdigit() for c in r.term)
             else f"(?i:{re.escape(r.term)})" for r in rows]
    return re.compile(r"(?<![\w-])(" + "|".join(parts) + r")(?![\w])"), by_term


@lru_cache(maxsize=4096)
def inn_payload(word: str) -> Payload | None:
    """The payload named by the second word of an antibody INN, or None when it names none.

    A word that is a drug of its own ("irinotecan" after "nivolumab" in a list of two drugs)
    is not a payload word, whatever its ending.
    """
    key = fold(word)
    row = _by_word().get(key)
    if row is not None:
        return Payload(row.payload or word, row.payload_class, f"INN payload word {word!r} ({row.source})")
    if len(key) < 6 or not key.isalpha() or lookup_drug(key) is not None:
        return None
    for stem in _stems():
        if key.endswith(stem.term.lstrip("-")):
            return Payload(key, stem.payload_class, f"INN payload word {word!r} ({stem.source})")
    return None


def is_payload_word(word: str) -> bool:
    return inn_payload(word) is not None


@lru_cache(maxsize=8192)
def text_payload(text: str) -> Payload | None:
    """The payload a record's text names ("conjugated to MMAE", "a topoisomerase I inhibitor
    payload"): the first term of the payload table found in it."""
    if not text:
        return None
    pattern, by_term = _text_pattern()
    match = pattern.search(text)
    if match is None:
        return None
    row = by_term[match.group(1).casefold()]
    name = row.payload or None
    if row.kind == "inn":
        name = row.payload
    return Payload(name, row.payload_class, f"payload {match.group(1)!r} in the record ({row.source})")
