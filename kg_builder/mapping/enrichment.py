"""Quads for the facts derived by :mod:`kg_builder.enrich`: drug classes, targets, external ids,
doses, condition facets, outcome categories and measures, time frames, ECOG/RECIST, GeoNames.

Node IRIs are the core mapper's (interventions, arms, outcomes, criteria, sites, places,
conditions) plus shared drug/target/measure nodes from the minter and study-local mention
and dose nodes under the intervention or arm they belong to. Every class decision carries
its rule (a concept) and its evidence (text).
"""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import Literal, NamedNode, Quad

from kg_builder.enrich.facts import StudyFacts, enrich
from kg_builder.enrich.lexicon import targets
from kg_builder.enrich.outcomes import MEASURE_CATEGORY, measure_label
from kg_builder.external_ids import external_iris
from kg_builder.mapping import terms
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import Study
from kg_builder.vocab import DCTERMS, KG, SCHEMA, SKOS, XSD, concept

_ID_PREFIX = {"drugbank": "drugbank", "chebi": "chebi", "wikidata": "wikidata", "ncit": "ncit", "atc": "atc"}


def map_enrichment(study: Study, ctx: MappingContext, facts: StudyFacts | None = None) -> Iterator[Quad]:
    facts = facts if facts is not None else enrich(study)
    out = QuadSink(ctx.graph)
    drug_nodes = _interventions(facts, ctx, out)
    _arm_drugs(facts, drug_nodes, ctx, out)
    _doses(facts, drug_nodes, ctx, out)
    _conditions(facts, ctx, out)
    _outcomes(facts, ctx, out)
    _eligibility(facts, ctx, out)
    for site_index, code, (geonames_id, _name) in facts.places:
        study_site = study.sites[site_index]
        place = ctx.minter.place(code, study_site.state, study_site.city or "")
        for iri in external_iris("geonames", str(geonames_id), joins=False):
            out.add(place, SKOS.exactMatch, iri)
        out.add(place, KG.geonamesId, terms.integer(geonames_id))
    return iter(out.quads)


def _interventions(facts: StudyFacts, ctx: MappingContext, out: QuadSink) -> dict[int, list[NamedNode]]:
    drug_nodes: dict[int, list[NamedNode]] = {}
    for item in facts.interventions:
        node = ctx.intervention(item.index)
        for cls in item.classes:
            out.add(node, KG.drugClass, concept("drug-class", cls))
        nodes = drug_nodes.setdefault(item.index, [])
        for k, component in enumerate(item.components):
            mention = ctx.part("intervention", item.index + 1, "drug", k + 1)
            out.add(node, KG.drugMention, mention)
            out.typed(mention, KG.DrugMention)
            out.label(mention, component.text)
            out.add(mention, KG.drugClass, concept("drug-class", component.drug_class))
            out.add(mention, KG.classRule, concept("class-rule", component.rule))
            for evidence in component.evidence:
                out.text(mention, KG.classEvidence, evidence)
            for evidence in component.target_evidence:
                out.text(mention, KG.targetEvidence, evidence)
            if component.name is None:
                continue
            drug = ctx.minter.drug(component.name)
            nodes.append(drug)
            out.add(mention, KG.mentionOf, drug)
            out.add(node, KG.drug, drug)
            out.typed(drug, KG.Drug, SCHEMA.Drug)
            out.label(drug, component.name)
            out.add(drug, KG.drugClass, concept("drug-class", component.drug_class))
            for symbol in component.targets:
                _target(drug, symbol, ctx, out)
            if component.entry is not None:
                for scheme, value in component.entry.ids:
                    for iri in external_iris(_ID_PREFIX[scheme], value, joins=False):
                        out.add(drug, SKOS.exactMatch, iri)
                if component.entry.ids:
                    out.text(drug, DCTERMS.source, f"kg_builder drug lexicon ({component.entry.source})")
        for k, mesh in item.mesh:
            if item.components[k].name is not None:
                for iri in external_iris("mesh", mesh.id, joins=False):
                    out.add(ctx.minter.drug(item.components[k].name), SKOS.exactMatch, iri)
    return drug_nodes


def _target(drug: NamedNode, symbol: str, ctx: MappingContext, out: QuadSink) -> None:
    node = ctx.minter.target(symbol)
    out.add(drug, KG.target, node)
    out.typed(node, KG.Target)
    info = targets().get(symbol)
    out.label(node, info.label if info else symbol)
    out.text(node, KG.geneSymbol, symbol)
    if info and info.hgnc_id:
        out.text(node, DCTERMS.identifier, info.hgnc_id)
        for iri in external_iris("hgnc", info.hgnc_id, joins=False):
            out.add(node, SKOS.exactMatch, iri)


def _arm_drugs(facts: StudyFacts, drug_nodes: dict[int, list[NamedNode]], ctx: MappingContext,
               out: QuadSink) -> None:
    """A combination intervention's drugs each linked to the arm(s) that use it."""
    for arm_index, intervention_index in sorted(facts.arm_links):
        for drug in drug_nodes.get(intervention_index, ()):
            out.add(ctx.arm(arm_index), KG.armDrug, drug)


def _duration(value: str) -> Literal:
    return Literal(value, datatype=XSD.duration)


def _doses(facts: StudyFacts, drug_nodes: dict[int, list[NamedNode]], ctx: MappingContext,
           out: QuadSink) -> None:
    counters: dict[tuple[str, int], int] = {}
    for fact in facts.doses:
        number = counters[(fact.owner, fact.index)] = counters.get((fact.owner, fact.index), 0) + 1
        owner = ctx.arm(fact.index) if fact.owner == "arm" else ctx.intervention(fact.index)
        node = ctx.part(fact.owner, fact.index + 1, "dose", number)
        dose = fact.dose
        out.add(owner, KG.dosing, node)
        out.typed(node, KG.DoseRegimen)
        out.add(node, KG.drug, ctx.minter.drug(dose.drug))
        if dose.amount is not None:
            out.add(node, KG.doseAmount, terms.decimal(dose.amount))
        if dose.amount_max is not None:
            out.add(node, KG.doseAmountMax, terms.decimal(dose.amount_max))
        out.text(node, KG.doseUnit, dose.unit)
        out.code(node, KG.doseBasis, "dose-basis", dose.basis)
        out.code(node, KG.dosePhase, "dose-phase", dose.phase)
        out.code(node, KG.route, "route", dose.route)
        if dose.interval:
            out.add(node, KG.doseInterval, _duration(dose.interval))
        if dose.cycle_length:
            out.add(node, KG.cycleLength, _duration(dose.cycle_length))
        if dose.cycles is not None:
            out.add(node, KG.cycleCount, terms.integer(dose.cycles))
        if dose.infusion_duration:
            out.add(node, KG.infusionDuration, _duration(dose.infusion_duration))
        out.text(node, KG.sourceText, dose.text)


def _conditions(facts: StudyFacts, ctx: MappingContext, out: QuadSink) -> None:
    for name, condition, meshes in facts.conditions:
        node = ctx.condition(name)
        for facet in condition.facets:
            out.add(node, KG.conditionFacet, concept("condition-facet", facet))
        if condition.base != condition.canonical:
            base = ctx.condition(condition.base)
            out.add(node, KG.baseCondition, base)
            out.typed(base, KG.Condition, SCHEMA.MedicalCondition)
            out.label(base, condition.base[:1].upper() + condition.base[1:])
        for mesh, exact in meshes:
            if not exact:  # exact name matches are the core mapper's (external_links.map_links)
                for iri in external_iris("mesh", mesh.id, joins=False):
                    out.add(node, SKOS.closeMatch, iri)
    for facet in sorted(facts.population_facets):  # read from the title and conditions already mapped
        out.add(ctx.study, KG.populationFacet, concept("condition-facet", facet))


def _outcomes(facts: StudyFacts, ctx: MappingContext, out: QuadSink) -> None:
    for index, outcome, frame in facts.outcomes:
        node = ctx.outcome(index)
        out.add(node, KG.outcomeCategory, concept("outcome-category", outcome.category))
        out.text(node, KG.categoryEvidence, outcome.evidence)
        if outcome.measure:
            measure = ctx.minter.measure(outcome.measure)
            out.add(node, KG.measure, measure)
            out.typed(measure, KG.OutcomeMeasure)
            out.label(measure, measure_label(outcome.measure))
            out.text(measure, SKOS.notation, outcome.measure)
            # the measure's own category: an outcome may be filed elsewhere ("AEs as a QoL burden")
            out.add(measure, KG.outcomeCategory, concept("outcome-category", MEASURE_CATEGORY[outcome.measure]))
        if frame is None:
            continue
        if frame.duration:
            out.add(node, KG.timeFrameDuration, _duration(frame.duration))
            out.code(node, KG.timeFrameQualifier, "time-frame-qualifier", frame.qualifier)
        out.text(node, KG.timeFrameStart, frame.start)
        out.text(node, KG.timeFrameEnd, frame.end)


def _eligibility(facts: StudyFacts, ctx: MappingContext, out: QuadSink) -> None:
    if facts.ecog:
        low = min(e.minimum for _i, e in facts.ecog)
        high = max(e.maximum for _i, e in facts.ecog)
        out.add(ctx.eligibility, KG.ecogMin, terms.integer(low))
        out.add(ctx.eligibility, KG.ecogMax, terms.integer(high))
    for index, ecog in facts.ecog:
        if index is not None:
            out.add(ctx.criterion(index), KG.ecogMin, terms.integer(ecog.minimum))
            out.add(ctx.criterion(index), KG.ecogMax, terms.integer(ecog.maximum))
    if facts.recist:
        out.add(ctx.eligibility, KG.requiresMeasurableDisease, terms.boolean(True))
        version = next((r.version for _i, r in facts.recist if r.version), None)
        out.text(ctx.eligibility, KG.recistVersion, version)
    for index, found in facts.recist:
        if index is not None:
            out.add(ctx.criterion(index), KG.requiresMeasurableDisease, terms.boolean(True))
            out.text(ctx.criterion(index), KG.recistVersion, found.version)

