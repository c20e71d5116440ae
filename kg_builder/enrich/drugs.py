"""Interventions → the drugs they name, each classified with the rule that decided it.

Two decisions, kept apart (issue 12):

- the **drug** a component names is described from the drug itself (:mod:`.profile`: lexicon,
  INN stems, words of its own name); that is what the shared drug node says;
- the **mention** (this intervention of this study) is classified from everything the record
  offers, strongest first: (1) class words in the intervention's own name or other names,
  (2) the lexicon and (3) WHO INN stems of the name, its bracketed aliases and other names,
  (4) class words in its description, (5) the record's prose about it (titles, summaries, arm
  descriptions), (6) the record's MeSH index and keywords (:mod:`.record_evidence`), (7) the
  intervention type. A later rule may only refine an earlier one within its family.

Named combinations (regimen acronyms, fixed-dose brands) expand into their drugs; an ADC's
payload comes from its INN or the record's words (:mod:`.payloads`). Every mention gets a
class, "UNKNOWN" at worst.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from kg_builder.enrich import explicit, record_evidence
from kg_builder.enrich.inn import classify_inn
from kg_builder.enrich.lexicon import DrugEntry, lookup_drug, target_alias_regex
from kg_builder.enrich.names import (
    CODE,
    PAREN,
    RD_CODE,
    SENTENCE,
    STRONG_SPLIT,
    canonical,
    head_and_aliases,
    known,
    lexicon_tokens,
    split_components,
    split_top,
    unboost,
    useful,
)
from kg_builder.enrich.payloads import Payload, text_payload
from kg_builder.enrich.profile import EXPLICIT_NAME, INN, LEXICON, NO_EVIDENCE, DrugProfile, decide, drug_profile
from kg_builder.enrich.record_evidence import RecordEvidence
from kg_builder.enrich.regimens import Combination, find_combination
from kg_builder.enrich.targets import find_targets
from kg_builder.enrich.text import clean, compact
from kg_builder.model import Intervention, MeshTerm

EXPLICIT_DESCRIPTION = "EXPLICIT_DESCRIPTION"
EXPLICIT_RECORD, RECORD_INDEX = "EXPLICIT_RECORD", "RECORD_INDEX"
NAMED_COMBINATION = "NAMED_COMBINATION"
PLACEBO, INTERVENTION_TYPE = "PLACEBO", "INTERVENTION_TYPE"
__all__ = ["EXPLICIT_NAME", "INN", "LEXICON", "NO_EVIDENCE", "Component", "analyse", "analyse_study"]

_DRUG_TYPES = frozenset({"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "GENETIC", "DIETARY_SUPPLEMENT"})
_NON_DRUG_TYPES = frozenset({"DEVICE", "PROCEDURE", "BEHAVIORAL", "RADIATION", "DIAGNOSTIC_TEST"})
# What is left of a class phrase once its class and target words are gone: nothing that names a drug.
_GENERIC_WORDS = re.compile(
    r"\b(?:an?|the|anti|standard|of|care|soc|investigator'?s?|physician'?s?|choice|approved|other|any|"
    r"based|targeted|targeting|inhibitors?|agents?|drugs?|monoclonal|antibod(?:y|ies)|mabs?|moab|"
    r"chemotherap(?:y|ies)|therap(?:y|ies)|blockade|checkpoint|immune|humanized|human|recombinant|fully|"
    r"igg\d?|protein)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Component:
    """One drug (or placebo, or class phrase) named by an intervention, as this record states it."""

    text: str  # as written in the intervention
    name: str | None  # canonical drug name; None when it names no drug (placebo, "chemotherapy")
    kind: str  # drug / placebo / generic / unrecognised / non-drug
    drug_class: str
    rule: str
    evidence: tuple[str, ...]
    targets: tuple[str, ...] = ()  # what the record's words say this mention acts on
    target_evidence: tuple[str, ...] = ()
    entry: DrugEntry | None = None
    payload: Payload | None = None  # an ADC mention's payload, from its INN or the record's words
    supportive: bool = False  # a named combination's supporting drug (leucovorin in FOLFOX)
    profile: DrugProfile | None = None  # what the named drug itself is (the shared node's facts)


def intervention_classes(components: tuple[Component, ...]) -> tuple[str, ...]:
    """The intervention's class(es): its active drugs' classes; placebo or support only when nothing else."""
    active = [c.drug_class for c in components if c.kind != "placebo" and not c.supportive]
    chosen = active or [c.drug_class for c in components if c.kind != "placebo"] or [
        c.drug_class for c in components]
    return tuple(dict.fromkeys(chosen))


def analyse(intervention: Intervention, context: str | None = None) -> tuple[Component, ...]:
    """The drugs of one intervention; ``context`` is the record's prose, read for what it says
    about a drug the intervention itself leaves unexplained."""
    return _analyse(intervention.name, intervention.type, intervention.description,
                    tuple(intervention.other_names), context)


def analyse_study(interventions: list[Intervention], evidence: RecordEvidence) -> list[tuple[Component, ...]]:
    """Every intervention of a record, the record's index and keywords read for those left UNKNOWN."""
    analysed = [analyse(i, evidence.context or None) for i in interventions]
    return _from_index(interventions, analysed, evidence)


# An intervention's name is a name: the registry's data element definitions allow 200 characters.
# A far longer one is broken or hostile text, and analysing it (some fifty passes of the name's
# patterns, each linear) costs seconds at 200,000 characters: it is kept as written, not analysed.
_MAX_NAME = 1_000


# Keyed by the record's own prose (``context``), so it hits only when the same record is read again (a
# record in two layouts, a rebuild in one process): no hit in 9,007 calls over 5,000 studies of the
# registry-shaped corpus, 6 in 544 on the real records. A large bound only held ~2 KB of prose per
# entry (~60 MiB at 32,768 entries); 256 keeps the repeats.
@lru_cache(maxsize=256)
def _analyse(name: str, type_: str | None, description: str | None,
             other_names: tuple[str, ...], context: str | None = None) -> tuple[Component, ...]:
    if len(name) > _MAX_NAME:
        why = f"not analysed: a name of {len(name):,} characters (the registry allows 200)"
        if type_ in _NON_DRUG_TYPES:
            return (Component(name, None, "non-drug", "OTHER", INTERVENTION_TYPE, (f"intervention type {type_}", why)),)
        return (Component(name, None, "unrecognised", "UNKNOWN", NO_EVIDENCE, (why,)),)
    name = unboost(clean(name))
    description = clean(description) if description else None
    others = tuple(clean(o) for o in other_names if o and o.strip())
    code = RD_CODE.search(name)
    sentence = SENTENCE.search(name)  # "GEN1044 is an IgG1 bispecific antibody targeting CD3 and 5T4."
    lone_placebo = explicit.is_placebo(name) and len(split_top(name, STRONG_SPLIT)) == 1  # "NaCl 0.9 %"
    whole = known(name) or code or sentence or lone_placebo
    parts = [name] if whole else split_components(name)
    single = len(parts) == 1
    components: list[Component] = []
    seen: set[str] = set()
    for part in parts:
        combination = None
        if type_ in (None, *_DRUG_TYPES):
            combination = find_combination(part) or find_combination(head_and_aliases(part)[0])
        if combination is not None and lookup_drug(part) is None:
            found = _expand(part, combination)
        else:
            found = [_component(part, type_, description if single else None, others if single else (),
                                code.group(1) if code else None, description, context)]
        for component in found:
            key = component.name or component.text
            if key not in seen:
                seen.add(key)
                components.append(component)
    return tuple(components)


def _expand(text: str, combination: Combination) -> list[Component]:
    """The drugs of a named regimen or fixed-dose combination, each with the combination as evidence."""
    listed = " + ".join(combination.components)
    out = []
    for drug in combination.components:
        profile = drug_profile(lookup_drug(drug).name if lookup_drug(drug) else drug)
        evidence = (f"{combination.kind} {combination.name!r} = {listed} ({combination.source})", *profile.evidence)
        out.append(Component(text, profile.name, "drug", profile.drug_class, NAMED_COMBINATION, evidence,
                             entry=profile.entry, payload=profile.payload,
                             supportive=drug in combination.supportive, profile=profile))
    return out


def _component(text: str, type_: str | None, description: str | None, others: tuple[str, ...],
               code: str | None, whole_description: str | None = None,
               context: str | None = None) -> Component:
    if explicit.is_placebo(text):
        return Component(text, None, "placebo", "OTHER", PLACEBO, (f"placebo: {text!r}",))
    head, aliases = head_and_aliases(text)
    head = head or text
    if description is None and whole_description:  # "AZD8205 is an antibody drug conjugate …"
        description = _sentence_about(head, whole_description)
    entry = _lexicon(head, aliases, others, text)
    candidates = _name_candidates(text, head, aliases, others, entry)
    said_placebo = explicit.describes_placebo(description) if description and not candidates else None
    if said_placebo and not CODE.match(head):  # "Control": "Saline placebo given as the vaccine"
        return Component(text, None, "placebo", "OTHER", PLACEBO, (f"placebo: description says {said_placebo!r}",))
    if description and (type_ is None or type_ in _DRUG_TYPES):
        found = explicit.earliest(description)
        if found:
            candidates.append((found[0], EXPLICIT_DESCRIPTION, f"{found[1]} in description"))
    called = clause = None  # the name the record gives a code ("Tomivosertib (eFT508)"), what it says of it
    if not candidates and context and type_ in _DRUG_TYPES:
        found, called, clause = _from_record(code or head, context)
        candidates.extend(found)
    drug_class, rule, evidence = decide(candidates)
    kind = _kind(head, entry, candidates, drug_class, rule, type_)
    if rule == NO_EVIDENCE and type_ in _NON_DRUG_TYPES:
        drug_class, rule, evidence = "OTHER", INTERVENTION_TYPE, (f"intervention type {type_}",)
    name = None
    if kind == "drug":
        name = entry.name if entry else (called or code or canonical(head))
    said = tuple(t for t in (description, clause) if t)
    targets, target_evidence = _targets(drug_class, text, others, said)
    profile = drug_profile(name) if name else None
    payload = profile.payload if profile is not None and drug_class == "ADC" else None
    if payload is None and drug_class == "ADC":  # no INN to name it: the record's words may
        payload = _payload(text, others, said)
    return Component(text, name, kind, drug_class, rule, evidence, targets, target_evidence, entry, payload,
                     profile=profile)


def _name_candidates(text: str, head: str, aliases: tuple[str, ...], others: tuple[str, ...],
                     entry: DrugEntry | None) -> list[tuple[str, str, str]]:
    candidates: list[tuple[str, str, str]] = []
    for source in (text, *others):
        found = explicit.most_specific(source)
        if found:
            where = "name" if source is text else "other name"
            candidates.append((found[0], EXPLICIT_NAME, f"{found[1]} in {where}"))
            break
    if entry is not None:
        candidates.append((entry.drug_class, LEXICON, f"lexicon: {entry.name}"))
    # other names are often brands ("CellCept" is no -cept fusion protein): read only without a lexicon hit
    for source in (head, *aliases, *(others if entry is None else ())):
        found = classify_inn(source)
        if found:
            candidates.append((found[0], INN, found[1]))
            break
    chemical = explicit.chemical_name(head) if not candidates else None
    if chemical:
        candidates.append((chemical[0], EXPLICIT_NAME, chemical[1]))
    return candidates


def _kind(head: str, entry: DrugEntry | None, candidates: list[tuple[str, str, str]], drug_class: str,
          rule: str, type_: str | None) -> str:
    if entry is not None or any(r == INN for _c, r, _e in candidates):
        return "drug"
    if type_ in _NON_DRUG_TYPES:
        return "non-drug"
    if CODE.match(head):
        return "drug"
    if rule == EXPLICIT_NAME and (explicit.is_generic_class(drug_class) or _names_a_class_only(head)):
        return "generic"
    if rule == EXPLICIT_NAME or (type_ in _DRUG_TYPES and len(head.split()) <= 2 and useful(head)):
        return "drug"
    return "unrecognised"


def _names_a_class_only(head: str) -> bool:
    """"An Anti-PD-1 Antibody", "anti-VEGF mAb", "SOC chemotherapies": a class and a target, no drug."""
    rest = _target_words().sub(" ", re.sub(r"\banti-", "anti ", head, flags=re.IGNORECASE))
    rest = _GENERIC_WORDS.sub(" ", rest)
    return not re.search(r"[A-Za-z]{3,}", rest)


@lru_cache(maxsize=1)
def _target_words() -> re.Pattern[str]:
    return re.compile(target_alias_regex())


def _lexicon(head: str, aliases: tuple[str, ...], others: tuple[str, ...], text: str = "") -> DrugEntry | None:
    for candidate in (head, *aliases):
        entry = lookup_drug(candidate)
        if entry:
            return entry
    entry = lexicon_tokens(head) or lexicon_tokens(" ".join(PAREN.findall(text)))
    if entry:
        return entry
    for other in others:  # other names: brand or INN of a code-named drug
        entry = lookup_drug(other)
        if entry:
            return entry
    return None


def _from_record(head: str, context: str) -> tuple[list[tuple[str, str, str]], str | None, str | None]:
    """What the record's prose says about a drug: "tomivosertib (eFT508)" (then also the name it
    gives the code), "HS-20093 is a … antibody-drug conjugate" (then also the clause, for its
    target and payload), "SYS6043 (a B7-H3-targeted ADC)", "the CD73 inhibitor LY3475070"."""
    if len(head) < 3 or head.casefold() not in context.casefold():
        return [], None, None
    aliased, clause_after, words_before = _record_patterns(head)
    for pattern in aliased:
        for alias in pattern.findall(context):
            entry = lookup_drug(alias)
            found = (entry.drug_class, f"lexicon: {entry.name}") if entry else classify_inn(alias)
            if found:
                called = entry.name if entry else alias.lower()
                return [(found[0], EXPLICIT_RECORD, f"record calls it {alias!r}; {found[1]}")], called, None
    clause = _sentence_about(head, context)
    if clause is None:
        match = clause_after.search(context)
        clause = match.group(0) if match else None
    if clause:
        found = explicit.earliest(clause)
        if found:
            return [(found[0], EXPLICIT_RECORD, f"{found[1]} about {head!r} in the record")], None, clause
    match = words_before.search(context)
    if match:
        found = explicit.most_specific(match.group(1))
        if found and found[0] not in ("CHEMOTHERAPY", "HORMONAL"):
            return [(found[0], EXPLICIT_RECORD, f"{found[1]} before {head!r} in the record")], None, None
    return [], None, None


# compiled once per drug name: re's own cache of 512 patterns thrashes on a registry; ~4 KB per name,
# 83.3% of calls hit at 256 names, unbounded 83.6% (bench/caches.py, 20k studies)
@lru_cache(maxsize=256)
def _record_patterns(head: str) -> tuple[tuple[re.Pattern[str], ...], re.Pattern[str], re.Pattern[str]]:
    """What :func:`_from_record` reads the prose with: "<alias> (<head>)", "<head> (<alias>)" (the alias
    starts a word, its letters taken whole: "[A-Za-z][a-z]{5,}" rescanned a long run of letters from each
    one), "<head>, a …", and up to three words before it (taken whole: "\\S+" from every letter was n²)."""
    name, i = re.escape(head), re.IGNORECASE
    return ((re.compile(rf"\b([A-Za-z][a-z]{{5,}}+)\s*\(\s*{name}\s*\)", i),
             re.compile(rf"{name}\s*\(\s*([A-Za-z][a-z]{{5,}})\s*\)", i)),
            re.compile(rf"{name}(?:,\s+|\s*\(\s*)(?:an?|the)\s+[^.;,()]+", i),
            re.compile(rf"(?<!\S)((?:\S++\s+){{1,3}}){name}\b", i))


@lru_cache(maxsize=4096)  # ~1 KB per name; 74.2% of calls hit, as unbounded (bench/caches.py, 20k studies)
def _sentence_pattern(head: str) -> re.Pattern[str]:
    """"<head> is a …" (an optional parenthesis after the name), compiled once per name."""
    return re.compile(re.escape(head) + r"\s*(?:\([^)]*\))?\s+(?:is|are)\s+(?:an?|the)\s+[^.;]+", re.IGNORECASE)


def _sentence_about(head: str, description: str) -> str | None:
    """The "<name> is a …" clause of a text shared by several drugs, if it has one."""
    if len(head) < 3:
        return None
    if head.isascii() and description.isascii() and head.lower() not in description.lower():
        return None  # cannot match (for ASCII, IGNORECASE is lower()), and no pattern compiled per name
    match = _sentence_pattern(head).search(description)
    return match.group(0) if match else None


def _targets(drug_class: str, text: str, others: tuple[str, ...],
             said: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The targets the record's own words give this mention ("anti-HER2", "a B7-H3 ADC"): its name,
    other names, description and what the record's prose says of it."""
    if drug_class in ("CHEMOTHERAPY", "HORMONAL", "OTHER"):
        return (), ()
    found: dict[str, str] = {}
    for source, where in ((text, "name"), *((o, "other name") for o in others),
                          *((t, "the record's words about it") for t in said)):
        for symbol, phrase in find_targets(source):
            found.setdefault(symbol, f"matched {phrase!r} in {where}")
    return tuple(found), tuple(found.values())


def _payload(text: str, others: tuple[str, ...], said: tuple[str, ...]) -> Payload | None:
    """An ADC mention's payload as the record's words name it (its INN, "MMAE", "a topoisomerase I
    inhibitor payload")."""
    for source in (text, *others, *said):
        found = text_payload(source)
        if found is not None:
            return found
    return None


def _from_index(interventions: list[Intervention], analysed: list[tuple[Component, ...]],
                evidence: RecordEvidence) -> list[tuple[Component, ...]]:
    """The record's MeSH index and keywords, for the one drug they can only be about."""
    open_ = [(i, k) for i, comps in enumerate(analysed) for k, c in enumerate(comps)
             if c.drug_class == "UNKNOWN" and c.kind == "drug" and interventions[i].type in (None, *_DRUG_TYPES)]
    if not open_:
        return analysed
    analysed = list(analysed)
    for i, k in list(open_):  # a keyword that names the drug and says what it is: "NKTR-255 (IL-15 agonist)"
        said = _keyword_about(analysed[i][k], evidence.keywords)
        if said is not None:
            analysed[i] = _replaced(analysed[i], k, said)
            open_.remove((i, k))
    if not open_:
        return analysed
    decided = {c.drug_class for comps in analysed for c in comps if c.kind in ("drug", "generic")
               and c.drug_class not in ("UNKNOWN", "OTHER")}
    headings = [
        *record_evidence.mesh_classes(evidence.meshes, "term"),
        *record_evidence.mesh_classes(evidence.ancestors, "ancestor"),
        *record_evidence.mesh_classes(tuple(("browse leaf", leaf) for leaf in evidence.leaves), "browse leaf"),
        *record_evidence.keyword_classes(evidence.keywords),
    ]
    if len(evidence.meshes) == 1:  # the record's one intervention term, and its ancestors, name one drug
        term = evidence.meshes[0][1]
        named = [(i, k) for i, k in open_ if compact(term) in _keys(analysed[i][k])]
        if len(named) == 1:
            open_, decided = named, set()
    chosen = record_evidence.most_specific(record_evidence.unexplained(headings, decided))
    if chosen is None or len(open_) != 1:
        return analysed
    i, k = open_[0]
    analysed[i] = _replaced(analysed[i], k, (chosen.cls, (chosen.evidence, "the record's one drug left unclassified")))
    return analysed


def _keyword_about(component: Component, keywords: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    for keyword in keywords:
        match = re.match(rf"\s*{re.escape(component.name or component.text)}\s*(?:\(([^()]+)\)|[:,-]\s+(.+))\s*$",
                         keyword, re.IGNORECASE)
        found = explicit.most_specific(match.group(1) or match.group(2)) if match else None
        if found:
            return found[0], (f"record keyword {keyword!r}: {found[1]}",)
    return None


def _replaced(components: tuple[Component, ...], k: int, decided: tuple[str, tuple[str, ...]]) -> tuple[Component, ...]:
    cls, evidence = decided
    updated = replace(components[k], drug_class=cls, rule=RECORD_INDEX, evidence=evidence)
    return tuple(updated if n == k else c for n, c in enumerate(components))


def _keys(component: Component) -> set[str]:
    keys = {compact(component.text), compact(component.name or "")}
    if component.entry is not None:
        keys.update(compact(s) for s in (component.entry.name, *component.entry.synonyms))
    return keys


def mesh_for(component: Component, meshes: list[MeshTerm]) -> list[MeshTerm]:
    """The record's intervention MeSH terms that name this drug (name or lexicon synonym)."""
    if component.name is None:
        return []
    keys = _keys(component)
    out = []
    for mesh in meshes:
        if compact(mesh.term) in keys:
            out.append(mesh)
            continue
        entry = lookup_drug(mesh.term)
        if entry is not None and component.entry is entry:
            out.append(mesh)
    return out
