"""What a record says about its drugs outside the intervention itself: its MeSH index, keywords
and prose.

The registry indexes a study's interventions with MeSH terms and lists their ancestors and
browse leaves ("Immunoconjugates", "Antibodies, Bispecific", "Cancer Vaccines"); sponsors add
keywords ("bispecific antibody", "anti-IgE monoclonal antibody"). These belong to the record, not
to one intervention, so a class they name is given to an intervention only when the record
leaves no doubt which one it is about:

- a MeSH term that *is* the drug's name (or a lexicon synonym of it) speaks for that drug, and so
  do the ancestors when the record has that one intervention term;
- otherwise a class the index or the keywords name is *explained* when a drug of the record
  already has it (or a class it implies: an ADC explains "Antibodies, Monoclonal" and
  "Camptothecin"); what no drug explains goes to the record's one drug left unclassified, never
  to one of several.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg_builder.enrich import explicit
from kg_builder.enrich.lexicon import DRUG_CLASSES, data_rows
from kg_builder.enrich.text import fold
from kg_builder.model import Study

# What a drug of each class explains in its record's index (the headings its own MeSH terms sit under).
_EXPLAINS = {
    "ADC": frozenset({"ADC", "MONOCLONAL_ANTIBODY", "CHEMOTHERAPY", "SMALL_MOLECULE"}),
    "BISPECIFIC_ANTIBODY": frozenset({"BISPECIFIC_ANTIBODY", "MONOCLONAL_ANTIBODY"}),
    "RADIOPHARMACEUTICAL": frozenset({"RADIOPHARMACEUTICAL", "MONOCLONAL_ANTIBODY", "SMALL_MOLECULE"}),
    "OTHER_BIOLOGIC": frozenset({"OTHER_BIOLOGIC", "MONOCLONAL_ANTIBODY"}),
    "CHEMOTHERAPY": frozenset({"CHEMOTHERAPY", "SMALL_MOLECULE"}),
    "HORMONAL": frozenset({"HORMONAL", "SMALL_MOLECULE"}),
}
_ALLERGEN_HEADING = re.compile(r"allergen|pollen|dermatophagoides|desensitization", re.IGNORECASE)
# Keyword classes that name the setting more often than a drug ("chemotherapy", "hormone therapy").
_SETTING_CLASSES = frozenset({"CHEMOTHERAPY", "HORMONAL"})


@dataclass(frozen=True, slots=True)
class RecordEvidence:
    """The record-level evidence about a study's interventions."""

    meshes: tuple[tuple[str, str], ...] = ()  # (descriptor id, term): the intervention MeSH terms
    ancestors: tuple[tuple[str, str], ...] = ()  # their ancestors, for the record as a whole
    leaves: tuple[str, ...] = ()  # browse-leaf and browse-branch names
    keywords: tuple[str, ...] = ()
    context: str = ""  # titles, summaries, arm descriptions


@dataclass(frozen=True, slots=True)
class Heading:
    cls: str
    evidence: str


@cache
def _heading_rows() -> tuple[tuple[str, str, str, str], ...]:
    rows = []
    for row in data_rows("mesh_classes.csv"):
        if row["class"] not in DRUG_CLASSES or row["match"] not in ("exact", "word") or not row["source"]:
            raise ValueError(f"mesh_classes.csv: bad row {row}")
        rows.append((fold(row["heading"]), row["match"], row["class"], row["source"]))
    return tuple(rows)


def heading_class(term: str) -> tuple[str, str] | None:
    """(class, source) for a MeSH heading that names a drug class, or None."""
    key = fold(term)
    for heading, match, cls, source in _heading_rows():
        if key == heading if match == "exact" else re.search(rf"\b{re.escape(heading)}\b", key):
            return cls, source
    return None


def mesh_classes(terms: tuple[tuple[str, str], ...], where: str) -> list[Heading]:
    """The class-naming headings among ``terms``, most specific class first; allergen headings
    turn a vaccine heading into an allergen extract (an "allergy vaccine")."""
    found = []
    allergen = False
    for mesh_id, term in terms:
        hit = heading_class(term)
        if hit:
            found.append(Heading(hit[0], f"record's intervention MeSH {where} {term!r} ({mesh_id}; {hit[1]})"))
            allergen = allergen or (hit[0] == "OTHER_BIOLOGIC" and _ALLERGEN_HEADING.search(term) is not None)
    if allergen:
        found = [h for h in found if h.cls != "VACCINE"]
    return sorted(found, key=lambda h: _RANK.get(h.cls, 99))


def keyword_classes(keywords: tuple[str, ...]) -> list[Heading]:
    found = []
    for keyword in keywords:
        hit = explicit.most_specific(keyword)
        if hit and hit[0] not in _SETTING_CLASSES:
            found.append(Heading(hit[0], f"record keyword {keyword!r}: {hit[1]}"))
    return sorted(found, key=lambda h: _RANK.get(h.cls, 99))


_RANK = {cls: rank for rank, (_p, cls, _l) in enumerate(explicit.PATTERNS)}
_RANK.setdefault("MONOCLONAL_ANTIBODY", len(_RANK))


def explains(known: str, heading: str) -> bool:
    return heading == known or heading in _EXPLAINS.get(known, ())


def unexplained(headings: list[Heading], known_classes: set[str]) -> list[Heading]:
    """The headings no class already given to a drug of the record accounts for."""
    return [h for h in headings if not any(explains(k, h.cls) for k in known_classes)]


def most_specific(headings: list[Heading]) -> Heading | None:
    """The one heading that accounts for all the others, or None when they disagree
    ("Antibodies, Monoclonal" with "Immunoconjugates" is an ADC; a vaccine with a kinase
    inhibitor is two drugs)."""
    for heading in headings:
        if all(explains(heading.cls, other.cls) for other in headings):
            return heading
    return None


def evidence_of(study: Study, context: str) -> RecordEvidence:
    """The record-level evidence of a study: its intervention MeSH terms and the registry's tree of
    them (ancestors, browse leaves and branches), its keywords, and ``context`` (its prose)."""
    meshes = tuple((m.id, m.term) for m in study.intervention_meshes)
    tree = study.details.intervention_tree
    ancestors = tree.ancestors if tree is not None else ()
    leaves = tuple(leaf.name for leaf in tree.leaves) if tree is not None else ()
    branches = tuple(branch.name for branch in tree.branches) if tree is not None else ()
    return RecordEvidence(meshes, ancestors, leaves + branches, tuple(study.keywords), context)
