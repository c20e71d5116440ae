"""Quads for the facts derived by :mod:`kg_builder.enrich`: drug classes, targets, payloads, external
ids, doses, condition facets, outcome categories and measures, time frames, ECOG/RECIST.

Node IRIs are the core mapper's (interventions, arms, outcomes, criteria) plus study-local
mention, payload and dose nodes under the intervention or arm they belong to; shared drugs,
targets, payloads, measures and conditions are described by :mod:`kg_builder.mapping.shared`
from the thing itself, in the entity graph. What this record's own text decides (a drug's class
from its description, a target or payload it names) stays on the record's mention node, with
its rule (a concept) and its evidence (text).
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from kg_builder.enrich.facts import StudyFacts, enrich
from kg_builder.external_ids import external_iris
from kg_builder.mapping import shared, terms
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import Study
from kg_builder.vocab import KG, SKOS, XSD, concept


def map_enrichment(study: Study, ctx: MappingContext, facts: StudyFacts | None = None,
                   out: QuadSink | None = None) -> QuadSink:
    """Into ``out`` (a new sink on the study's graph when not given), which is returned."""
    facts = facts if facts is not None else enrich(study)
    out = out if out is not None else QuadSink(ctx.graph)
    drug_nodes = _interventions(facts, ctx, out)
    _arm_drugs(facts, drug_nodes, ctx, out)
    _doses(facts, drug_nodes, ctx, out)
    _conditions(facts, ctx, out)
    _outcomes(facts, ctx, out)
    _eligibility(facts, ctx, out)
    out.warnings.extend(facts.warnings)
    return out


def _interventions(facts: StudyFacts, ctx: MappingContext, out: QuadSink) -> dict[int, list[NamedNode]]:
    """Each intervention's mentions, as this record states them (class, rule, evidence, the targets and
    payload its words name), and the drugs they name, described from the drugs themselves."""
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
            for symbol, evidence in zip(component.targets, component.target_evidence, strict=True):
                out.add(mention, KG.target, shared.target(ctx.minter, out.entities, symbol))
                out.text(mention, KG.targetEvidence, evidence)
            profile = component.profile
            if component.payload is not None and (profile is None or component.payload != profile.payload):
                # the record's own payload words: a node of its own mention, in its own graph
                shared.payload(out, mention, component.payload,
                               ctx.part("intervention", item.index + 1, "drug", k + 1, "payload"))
            if component.name is None or profile is None:
                continue
            drug = shared.drug(ctx.minter, out.entities, component.name, profile)
            nodes.append(drug)
            out.add(mention, KG.mentionOf, drug)
            out.add(node, KG.drug, drug)
        for k, mesh in item.mesh:  # the drug's name is the descriptor's heading (or a lexicon synonym of it)
            component = item.components[k]
            if component.name is not None and component.profile is not None:
                drug = shared.drug(ctx.minter, out.entities, component.name, component.profile)
                for iri in external_iris("mesh", mesh.id, joins=False):
                    shared.name_match(out.entities, drug, SKOS.exactMatch, iri)
    return drug_nodes


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
        out.add(node, KG.drug, shared.drug(ctx.minter, out.entities, dose.drug))
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
    for name, _condition, meshes in facts.conditions:
        for mesh, exact in meshes:
            if not exact:  # exact name matches are the core mapper's (external_links.map_links)
                node = shared.condition(ctx.minter, out.entities, name)
                for iri in external_iris("mesh", mesh.id, joins=False):
                    shared.name_match(out.entities, node, SKOS.closeMatch, iri)
    for facet in sorted(facts.population_facets):  # read from the title and conditions already mapped
        out.add(ctx.study, KG.populationFacet, concept("condition-facet", facet))


def _outcomes(facts: StudyFacts, ctx: MappingContext, out: QuadSink) -> None:
    for index, outcome, frame in facts.outcomes:
        node = ctx.outcome(index)
        out.add(node, KG.outcomeCategory, concept("outcome-category", outcome.category))
        out.text(node, KG.categoryEvidence, outcome.evidence)
        if outcome.measure:
            out.add(node, KG.measure, shared.measure(ctx.minter, out.entities, outcome.measure))
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

