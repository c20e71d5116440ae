"""Named combinations: chemotherapy regimen acronyms and fixed-dose brand combinations.

"FOLFOX", "R-CHOP", "AC-T" or "Symbicort" name several drugs at once. Each is a row of
``kg_builder/data/combinations.csv`` with its components and a source (a regimen reference or
the product's label). Variant spellings of a regimen are read as the regimen: a leading "m" or
"modified" (mFOLFOX6), "dd"/"dose-dense", a trailing schedule number (FOLFOX4, R-CHOP-21).
Components that only support the others (leucovorin modulating fluorouracil, filgrastim) are
marked, so that a regimen's class is that of its active drugs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from kg_builder.enrich.inn import classify_inn
from kg_builder.enrich.lexicon import data_rows, lookup_drug
from kg_builder.enrich.text import fold

_VARIANT = re.compile(
    r"^(?:modified\s+|dose[- ]dense\s+|dd[- ]?|m(?=[A-Z]{2}))?(.+?)(?:[- ]?(?:\d{1,3}))?$")


@dataclass(frozen=True, slots=True)
class Combination:
    name: str
    kind: str  # regimen / fixed-dose
    components: tuple[str, ...]
    supportive: frozenset[str]
    source: str


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


@cache
def combinations() -> tuple[Combination, ...]:
    found = []
    for row in data_rows("combinations.csv"):
        components = _split(row["components"])
        supportive = frozenset(_split(row["supportive"]))
        if row["kind"] not in ("regimen", "fixed-dose") or not row["source"] or len(components) < 2:
            raise ValueError(f"combinations.csv: {row['name']!r} needs a kind, a source and two components")
        for component in components:
            if lookup_drug(component) is None and classify_inn(component) is None:
                raise ValueError(f"combinations.csv: {row['name']!r}: component {component!r} is neither "
                                 "in the drug lexicon nor classified by its INN stem")
        if not supportive <= set(components):
            raise ValueError(f"combinations.csv: {row['name']!r}: supportive drugs must be components")
        found.append(Combination(row["name"], row["kind"], components, supportive, row["source"]))
    return tuple(found)


@cache
def _index() -> dict[str, Combination]:
    index: dict[str, Combination] = {}
    for combination in combinations():
        for row in data_rows("combinations.csv"):
            if row["name"] == combination.name:
                for name in (combination.name, *_split(row["synonyms"])):
                    index.setdefault(_key(name), combination)
    return index


def _key(name: str) -> str:
    """Case and spacing folded, hyphens kept: "AC-TH" is a regimen, "ACTH" a hormone."""
    return re.sub(r"[\s/]+|->|→", "-", fold(name.replace("→", "-").replace("->", "-")))


@lru_cache(maxsize=16384)
def find_combination(text: str) -> Combination | None:
    """The named combination ``text`` is (the whole text, not a word in it), or None."""
    text = text.strip()
    if not text or len(text) > 40:
        return None
    index = _index()
    found = index.get(_key(text))
    if found is not None:
        return found
    variant = _VARIANT.match(text)
    if variant and variant.group(1) != text:
        found = index.get(_key(variant.group(1)))
        if found is not None and found.kind == "regimen":
            return found
    return None
