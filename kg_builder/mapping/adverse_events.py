"""Quads for a study's adverse events: the module's time frame and threshold, each group's totals
(deaths, serious and other events: affected of at risk), and each event term with its counts per group.

IRIs (under the study): ``adverse-event/N`` for a term as the record lists it (serious terms first),
``adverse-event/N/count/K`` for its count in one group. Totals sit on the group nodes of
:mod:`kg_builder.mapping.results`.
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from kg_builder.enrich.result_groups import ResultGroups
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.results import count, number, whole
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import Study
from kg_builder.vocab import KG, RDF_TYPE, XSD

_TOTALS = (("deaths_affected", KG.deathsAffected), ("deaths_at_risk", KG.deathsAtRisk),
           ("serious_affected", KG.seriousAffected), ("serious_at_risk", KG.seriousAtRisk),
           ("other_affected", KG.otherAffected), ("other_at_risk", KG.otherAtRisk))
_TRUE = Literal("true", datatype=XSD.boolean)
_FALSE = Literal("false", datatype=XSD.boolean)
_EVENT_COUNT, _COUNT_CLASS, _FOR_GROUP = KG.eventCount, KG.AdverseEventCount, KG.forGroup
_AFFECTED, _AT_RISK, _EVENTS = KG.affected, KG.atRisk, KG.events


def map_adverse_events(study: Study, ctx: MappingContext, out: QuadSink, groups: ResultGroups) -> None:
    events = study.results.adverse_events if study.results is not None else None
    if events is None:
        return
    node = ctx.study
    out.text(node, KG.adverseEventTimeFrame, events.time_frame)
    out.text(node, KG.adverseEventDescription, events.description)
    out.text(node, KG.allCauseMortalityComment, events.mortality_comment)
    number(out, node, KG.frequencyThreshold, events.frequency_threshold)
    ids = groups.ids.get(("events", -1), {})
    group_nodes = {gid: ctx.part("group", index + 1) for gid, index in ids.items()}
    for group in group_nodes.values():
        out.add(node, KG.adverseEventGroup, group)
    for totals in events.totals:
        group = group_nodes[totals.group_id]
        for attribute, predicate in _TOTALS:
            whole(out, group, predicate, getattr(totals, attribute))
    # ~60% of a study-with-results' quads are below (a few thousand event counts): the loop binds the
    # sink's calls and terms once, and builds each count's IRI from its event's IRI string
    add, text = out.add, out.text
    base = ctx.part("adverse-event").value
    for n, event in enumerate(events.events):
        item_iri = f"{base}/{n + 1}"
        item = NamedNode(item_iri)
        add(node, KG.adverseEvent, item)
        add(item, RDF_TYPE, KG.AdverseEvent)
        out.label(item, event.term)
        add(item, KG.serious, _TRUE if event.serious else _FALSE)
        text(item, KG.organSystem, event.organ_system)
        text(item, KG.sourceVocabulary, event.source_vocabulary)
        out.code(item, KG.assessmentType, "assessment-type", event.assessment_type)
        text(item, KG.comment, event.notes)
        for k, stat in enumerate(event.counts):
            counted = NamedNode(f"{item_iri}/count/{k + 1}")
            add(item, _EVENT_COUNT, counted)
            add(counted, RDF_TYPE, _COUNT_CLASS)
            add(counted, _FOR_GROUP, group_nodes[stat.group_id])
            if stat.affected is not None:  # results.whole, inlined
                add(counted, _AFFECTED, count(stat.affected))
            if stat.at_risk is not None:
                add(counted, _AT_RISK, count(stat.at_risk))
            if stat.events is not None:
                add(counted, _EVENTS, count(stat.events))
