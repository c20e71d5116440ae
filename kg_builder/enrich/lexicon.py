"""The curated lexicons shipped in ``kg_builder/data``: drugs and molecular targets.

Loaded once per process. A row's identifiers are only trusted when the row names
its source; a row without one keeps its class and targets but no identifier
(the loader drops them and says so, rather than letting a guess through).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from kg_builder.enrich.text import compact, fold

DRUG_CLASSES = (
    "ADC", "MONOCLONAL_ANTIBODY", "BISPECIFIC_ANTIBODY", "SMALL_MOLECULE", "CHEMOTHERAPY",
    "HORMONAL", "CELL_GENE_THERAPY", "VACCINE", "RADIOPHARMACEUTICAL", "OTHER_BIOLOGIC",
    "OTHER", "UNKNOWN",
)
_ID_FIELDS = ("drugbank", "chebi", "wikidata", "ncit", "atc")
_ID_FORMS = {
    "drugbank": re.compile(r"^DB\d{5}$"),
    "chebi": re.compile(r"^CHEBI:\d+$"),
    "wikidata": re.compile(r"^Q\d+$"),
    "ncit": re.compile(r"^C\d+$"),
    "atc": re.compile(r"^[A-Z]\d\d[A-Z][A-Z]\d\d$"),
    "hgnc": re.compile(r"^HGNC:\d+$"),
}


@dataclass(frozen=True, slots=True)
class DrugEntry:
    name: str  # canonical (INN where one exists)
    drug_class: str
    targets: tuple[str, ...]  # HGNC symbols
    synonyms: tuple[str, ...]
    ids: tuple[tuple[str, str], ...]  # (scheme, id), only when the row has a source
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    symbol: str
    label: str
    hgnc_id: str | None
    aliases: tuple[str, ...]
    source: str


def data_rows(filename: str) -> list[dict[str, str]]:
    """The rows of one CSV file of kg_builder/data, cells stripped."""
    with resources.files("kg_builder.data").joinpath(filename).open(encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


@cache
def drug_entries() -> tuple[DrugEntry, ...]:
    entries = []
    for row in data_rows("drug_lexicon.csv"):
        if row["class"] not in DRUG_CLASSES:
            raise ValueError(f"drug_lexicon.csv: {row['name']!r} has unknown class {row['class']!r}")
        ids: list[tuple[str, str]] = []
        for scheme in _ID_FIELDS:
            value = row[scheme]
            if not value:
                continue
            if not row["source"]:
                raise ValueError(f"drug_lexicon.csv: {row['name']!r} has a {scheme} id but no source")
            if not _ID_FORMS[scheme].match(value):
                raise ValueError(f"drug_lexicon.csv: {row['name']!r}: malformed {scheme} id {value!r}")
            ids.append((scheme, value))
        entries.append(DrugEntry(row["name"], row["class"], _split(row["targets"]),
                                 _split(row["synonyms"]), tuple(ids), row["source"], row.get("note", "")))
    return tuple(entries)


@cache
def _drug_index() -> dict[str, DrugEntry]:
    index: dict[str, DrugEntry] = {}
    for entry in drug_entries():
        for name in (entry.name, *entry.synonyms):
            key = compact(name)
            # first row wins: canonical names come before synonyms that might collide
            index.setdefault(key, entry)
    return index


_SALTS = re.compile(
    r"\b(hydrochloride|hcl|mesylate|mesilate|malate|maleate|sodium|acetate|tfa|ditosylate|tosylate|"
    r"citrate|sulfate|sulphate|besylate|phosphate|fumarate|tartrate|dipropionate|anhydrous)\b")


@lru_cache(maxsize=16384)  # 90.3% of calls hit, unbounded 90.5% (bench/caches.py, 20k studies)
def lookup_drug(name: str) -> DrugEntry | None:
    """The lexicon row whose name or synonym equals ``name`` (folded; salt words optional)."""
    index = _drug_index()
    found = index.get(compact(name))
    if found is None:
        stripped = _SALTS.sub(" ", fold(name))
        if stripped.strip() and stripped != fold(name):
            found = index.get(compact(stripped))
    return found


@cache
def targets() -> dict[str, Target]:
    found: dict[str, Target] = {}
    for row in data_rows("targets.csv"):
        hgnc = row["hgnc_id"] or None
        if hgnc and not row["source"]:
            raise ValueError(f"targets.csv: {row['symbol']} has an HGNC id but no source")
        if hgnc and not _ID_FORMS["hgnc"].match(hgnc):
            raise ValueError(f"targets.csv: {row['symbol']}: malformed HGNC id {hgnc!r}")
        found[row["symbol"]] = Target(row["symbol"], row["label"], hgnc, _split(row["aliases"]),
                                      row["source"])
    return found


@cache
def _target_alias_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation over every alias; short all-caps aliases (MET, ALK) match case-sensitively."""
    by_alias: dict[str, str] = {}
    parts = []
    for target in sorted(targets().values(), key=lambda t: t.symbol):
        for alias in target.aliases:
            by_alias.setdefault(alias.casefold(), target.symbol)
            escaped = re.escape(alias)
            parts.append(escaped if len(alias) <= 4 and alias.isupper() else f"(?i:{escaped})")
    parts.sort(key=len, reverse=True)  # longest first: "HER2/neu" before "HER2"
    return re.compile(r"(?<![A-Za-z0-9])(" + "|".join(parts) + r")(?![\w])"), by_alias


def target_alias_regex() -> str:
    return _target_alias_pattern()[0].pattern


def target_for_alias(alias: str) -> str | None:
    return _target_alias_pattern()[1].get(alias.casefold())
