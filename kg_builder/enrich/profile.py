"""What a drug is, decided from the drug itself: its canonical name, the lexicon, WHO INN stems.

The shared drug node says this and nothing else, so it reads the same whichever records name
the drug (issue 12: a shared thing's description is decided for the thing itself). What one
record says about its own intervention ("a next-generation HER2 ADC", its MeSH terms) belongs
to that study's mention of the drug and is decided in :mod:`kg_builder.enrich.drugs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kg_builder.enrich import explicit
from kg_builder.enrich.inn import adc_payload, classify_inn
from kg_builder.enrich.lexicon import DrugEntry, lookup_drug
from kg_builder.enrich.payloads import Payload

# Rule codes (concepts in ontology/codelists/class-rule.ttl).
EXPLICIT_NAME, INN, LEXICON = "EXPLICIT_NAME", "INN_STEM", "LEXICON"
NO_EVIDENCE = "NO_EVIDENCE"

# A later rule may only refine an earlier one within its family, never overturn it.
REFINES = {
    "MONOCLONAL_ANTIBODY": frozenset({"ADC", "BISPECIFIC_ANTIBODY", "RADIOPHARMACEUTICAL", "OTHER_BIOLOGIC"}),
    "SMALL_MOLECULE": frozenset({"CHEMOTHERAPY", "HORMONAL"}),
}

Candidate = tuple[str, str, str]  # (class, rule, evidence)


@dataclass(frozen=True, slots=True)
class DrugProfile:
    """The drug node's own class, targets and payload, each with the evidence that decided it."""

    name: str
    drug_class: str
    rule: str
    evidence: tuple[str, ...]
    targets: tuple[str, ...] = ()
    target_evidence: tuple[str, ...] = ()
    payload: Payload | None = None
    entry: DrugEntry | None = None


def decide(candidates: list[Candidate]) -> tuple[str, str, tuple[str, ...]]:
    """The first candidate's class, refined by later ones of its family; evidence of all that agree.

    A lexicon row knows the very drug, so nothing after it refines it: "emtricitabine" ends like
    the cytotoxic nucleosides (-citabine) but its row says antiviral small molecule.
    """
    if not candidates:
        return "UNKNOWN", NO_EVIDENCE, ("no rule matched",)
    cls, rule, first = candidates[0]
    evidence = [first]
    final = rule == LEXICON
    for later_cls, later_rule, later_evidence in candidates[1:]:
        if later_cls == cls:
            evidence.append(later_evidence)
        elif not final and later_cls in REFINES.get(cls, ()):
            cls = later_cls
            evidence.append(f"refined by {later_evidence}")
        final = final or (later_rule == LEXICON and later_cls == cls)
    return cls, rule, tuple(dict.fromkeys(evidence))


def own_candidates(name: str, entry: DrugEntry | None) -> list[Candidate]:
    """What the name and its lexicon row say: the curated row (it knows this very drug), class words
    in the name, then INN stems (they know its family)."""
    candidates: list[Candidate] = []
    if entry is not None:
        candidates.append((entry.drug_class, LEXICON, f"lexicon: {entry.name}"))
    found = explicit.most_specific(name)
    if found and not explicit.is_generic_class(found[0]):
        candidates.append((found[0], EXPLICIT_NAME, f"{found[1]} in name"))
    stem = classify_inn(entry.name if entry is not None else name)
    if stem is None and entry is not None:
        stem = classify_inn(name)
    if stem:
        candidates.append((stem[0], INN, stem[1]))
    chemical = explicit.chemical_name(name) if not candidates else None
    if chemical:
        candidates.append((chemical[0], EXPLICIT_NAME, chemical[1]))
    return candidates


@lru_cache(maxsize=32768)
def drug_profile(name: str) -> DrugProfile:
    """The profile of the drug whose canonical name is ``name``."""
    entry = lookup_drug(name)
    drug_class, rule, evidence = decide(own_candidates(name, entry))
    targets = entry.targets if entry is not None else ()
    target_evidence = tuple(f"lexicon: {entry.name}" for _ in targets) if entry is not None else ()
    payload = None
    if drug_class == "ADC":
        payload = adc_payload(entry.name if entry is not None else name) or adc_payload(name)
    return DrugProfile(name, drug_class, rule, evidence, targets, target_evidence, payload, entry)
