"""Quads for a study's posted results: result groups (and the arms they are), participant flow,
baseline characteristics, and each outcome measure's results with its measurements and analyses.

A result belongs to the outcome it measures: each reported outcome measure is matched to the
protocol outcome of the same title (and kind, and time frame when titles repeat); one with no
protocol outcome (a post-hoc measure) becomes an outcome of its own, after the protocol's.
IRIs (under the study): ``group/N`` (``/arm-match``), ``flow/N/milestone/K/count/J``,
``baseline/N/value/K``, ``result/N`` (``/value/K``, ``/analysis/K``, ``/analyzed/K``).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pyoxigraph import Literal, NamedNode

from kg_builder.enrich.result_groups import ResultGroups
from kg_builder.iris import normalize_label
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import Study
from kg_builder.model_results import Analysis, Denominator, FlowStep, OutcomeResult, ResultMeasure
from kg_builder.vocab import KG, XSD

_KINDS = {"PRIMARY": "primary", "SECONDARY": "secondary", "OTHER_PRE_SPECIFIED": "other", "POST_HOC": "post_hoc"}
_TEXTS = {"value": KG.valueText, "spread": KG.spreadText, "lowerLimit": KG.lowerLimitText,
          "upperLimit": KG.upperLimitText, "pValue": KG.pValueText, "paramValue": KG.estimateValueText,
          "ciPctValue": KG.ciPercentText, "ciLowerLimit": KG.ciLowerLimitText, "ciUpperLimit": KG.ciUpperLimitText,
          "dispersionValue": KG.dispersionValueText}


def decimal(value: Decimal) -> Literal:
    """``xsd:decimal`` with the digits the record states (``84.20`` stays ``84.20``), never an exponent."""
    text = format(value, "f")
    return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)


@lru_cache(maxsize=4096)  # small counts repeat in every table of results: one immutable term each
def count(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.nonNegativeInteger)


def number(out: QuadSink, node: NamedNode, predicate: NamedNode, value: Decimal | None) -> None:
    if value is not None:
        out.add(node, predicate, decimal(value))


def whole(out: QuadSink, node: NamedNode, predicate: NamedNode, value: int | None) -> None:
    if value is not None:
        out.add(node, predicate, count(value))


def texts(out: QuadSink, node: NamedNode, stated: tuple[tuple[str, str], ...]) -> None:
    """Values the record states as words ("NA"): kept as text, never as numbers."""
    for field, text in stated:
        out.text(node, _TEXTS[field], text)


def map_results(study: Study, ctx: MappingContext, out: QuadSink, groups: ResultGroups) -> None:
    results = study.results
    if results is None:
        return
    nodes = _groups(ctx, out, groups)
    if results.flow is not None:
        flow = results.flow
        out.text(ctx.study, KG.recruitmentDetails, flow.recruitment_details)
        out.text(ctx.study, KG.preAssignmentDetails, flow.pre_assignment_details)
        ids = groups.ids.get(("flow", -1), {})
        for p, period in enumerate(flow.periods):
            node = ctx.part("flow", p + 1)
            out.add(ctx.study, KG.flowPeriod, node)
            out.typed(node, KG.FlowPeriod)
            out.label(node, period.title)
            out.add(node, KG.position, Literal(str(p + 1), datatype=XSD.integer))
            for kind, steps, predicate, cls in (("milestone", period.milestones, KG.milestone, KG.FlowMilestone),
                                                ("drop", period.drop_reasons, KG.dropReason, KG.FlowDropReason)):
                for k, step in enumerate(steps):
                    _flow_step(out, node, ctx.part("flow", p + 1, kind, k + 1), step, predicate, cls,
                               [nodes[ids[c.group_id]] for c in step.counts])
    if results.baseline is not None:
        baseline = results.baseline
        ids = groups.ids.get(("baseline", -1), {})
        group_nodes = {gid: nodes[i] for gid, i in ids.items()}
        out.text(ctx.study, KG.baselinePopulation, baseline.population)
        _denominators(ctx.study, KG.baselineAnalyzed, ctx.part("baseline", "analyzed"), baseline.denominators,
                      group_nodes, out)
        for n, measure in enumerate(baseline.measures):
            node = ctx.part("baseline", n + 1)
            out.add(ctx.study, KG.baselineMeasure, node)
            out.typed(node, KG.BaselineMeasure)
            out.add(node, KG.position, Literal(str(n + 1), datatype=XSD.integer))
            _measure(node, measure, group_nodes, out)
    outcome_nodes = _outcome_nodes(study, ctx, out)
    for n, outcome in enumerate(results.outcomes):
        group_nodes = {gid: nodes[i] for gid, i in groups.ids.get(("outcome", n), {}).items()}
        _outcome(ctx, out, n, outcome, outcome_nodes[n], group_nodes)
    out.text(ctx.study, KG.limitationsAndCaveats, results.limitations)


def _groups(ctx: MappingContext, out: QuadSink, groups: ResultGroups) -> list[NamedNode]:
    nodes = []
    for i, title in enumerate(groups.titles):
        node = ctx.part("group", i + 1)
        nodes.append(node)
        out.add(ctx.study, KG.resultGroup, node)
        out.typed(node, KG.ResultGroup)
        out.label(node, title)
        out.add(node, KG.position, Literal(str(i + 1), datatype=XSD.integer))
        for description in groups.descriptions[i]:
            out.text(node, KG.description, description)
        match = groups.matches.get(i)
        if match is not None:
            link = ctx.part("group", i + 1, "arm-match")
            out.add(node, KG.armMatch, link)
            out.typed(link, KG.ArmMatch)
            out.add(link, KG.withinArm if match.within else KG.matchedArm, ctx.arm(match.arm))
            out.code(link, KG.matchMethod, "group-match-method", match.method)
            out.add(link, KG.matchConfidence, decimal(match.confidence))
    return nodes


def _flow_step(out: QuadSink, period: NamedNode, node: NamedNode, step: FlowStep, predicate: NamedNode,
               cls: NamedNode, group_nodes: list[NamedNode]) -> None:
    out.add(period, predicate, node)
    out.typed(node, cls)
    out.label(node, step.type)
    out.text(node, KG.comment, step.comment)
    for j, (item, group) in enumerate(zip(step.counts, group_nodes, strict=True)):
        count_node = NamedNode(f"{node.value}/count/{j + 1}")
        out.add(node, KG.groupCount, count_node)
        out.typed(count_node, KG.GroupCount)
        out.add(count_node, KG.forGroup, group)
        whole(out, count_node, KG.count, item.count)
        out.text(count_node, KG.countText, item.text)
        out.text(count_node, KG.comment, item.comment)


def _denominators(owner: NamedNode, predicate: NamedNode, base: NamedNode, denominators: tuple[Denominator, ...],
                  group_nodes: dict[str, NamedNode], out: QuadSink, class_name: str | None = None) -> None:
    k = 0
    for denominator in denominators:
        for item in denominator.counts:
            k += 1
            node = NamedNode(f"{base.value}/{k}")
            out.add(owner, predicate, node)
            out.typed(node, KG.GroupCount)
            out.add(node, KG.forGroup, group_nodes[item.group_id])
            whole(out, node, KG.count, item.count)
            out.text(node, KG.countText, item.text)
            out.text(node, KG.countUnits, denominator.units)
            out.text(node, KG.className, class_name)


def _measure(node: NamedNode, measure: ResultMeasure, group_nodes: dict[str, NamedNode], out: QuadSink) -> None:
    out.label(node, measure.title)
    out.text(node, KG.description, measure.description)
    out.text(node, KG.populationDescription, measure.population)
    out.text(node, KG.unitOfMeasure, measure.unit)
    out.code(node, KG.paramType, "param-type", measure.param_type)
    out.code(node, KG.dispersionType, "dispersion-type", measure.dispersion_type)
    out.text(node, KG.denomUnitsSelected, measure.denom_units_selected)
    _denominators(node, KG.analyzed, NamedNode(f"{node.value}/analyzed"), measure.denominators, group_nodes, out)
    k = 0
    for c, cls in enumerate(measure.classes):
        _denominators(node, KG.analyzed, NamedNode(f"{node.value}/class/{c + 1}/analyzed"), cls.denominators,
                      group_nodes, out, cls.title)
        for category in cls.categories:
            for value in category.measurements:
                k += 1
                item = NamedNode(f"{node.value}/value/{k}")
                out.add(node, KG.measurement, item)
                out.typed(item, KG.Measurement)
                out.add(item, KG.forGroup, group_nodes[value.group_id])
                out.text(item, KG.className, cls.title)
                out.text(item, KG.categoryName, category.title)
                number(out, item, KG.value, value.value)
                number(out, item, KG.spread, value.spread)
                number(out, item, KG.lowerLimit, value.lower)
                number(out, item, KG.upperLimit, value.upper)
                texts(out, item, value.texts)
                out.text(item, KG.comment, value.comment)


def _outcome_nodes(study: Study, ctx: MappingContext, out: QuadSink) -> list[NamedNode]:
    """The protocol outcome each reported measure is about; a new outcome node for one the protocol lacks."""
    results = study.results
    assert results is not None
    free: dict[str, list[int]] = {}
    for i, outcome in enumerate(study.outcomes):
        free.setdefault(normalize_label(outcome.measure), []).append(i)
    nodes: list[NamedNode] = []
    extra = len(study.outcomes)
    for reported in results.outcomes:
        candidates = free.get(normalize_label(reported.measure.title), [])
        kind = _KINDS.get(reported.type or "")
        chosen = _choose(study, candidates, kind, reported.time_frame)
        if chosen is not None:
            candidates.remove(chosen)
            nodes.append(ctx.outcome(chosen))
            continue
        node = ctx.outcome(extra)
        extra += 1
        out.add(ctx.study, KG.outcome, node)
        out.typed(node, KG.Outcome)
        out.code(node, KG.outcomeKind, "outcome-kind", kind or "unknown")
        out.label(node, reported.measure.title)
        out.text(node, KG.description, reported.measure.description)
        out.text(node, KG.timeFrameText, reported.time_frame)
        out.add(node, KG.position, Literal(str(extra), datatype=XSD.integer))
        nodes.append(node)
    return nodes


def _choose(study: Study, candidates: list[int], kind: str | None, time_frame: str | None) -> int | None:
    """Of the protocol outcomes with the reported title, the one of the same kind (and time frame)."""
    if not candidates:
        return None
    same_kind = [i for i in candidates if study.outcomes[i].kind == kind] or candidates
    same_frame = [i for i in same_kind if normalize_label(study.outcomes[i].time_frame or "")
                  == normalize_label(time_frame or "")]
    return (same_frame or same_kind)[0]


def _outcome(ctx: MappingContext, out: QuadSink, n: int, outcome: OutcomeResult, outcome_node: NamedNode,
             group_nodes: dict[str, NamedNode]) -> None:
    node = ctx.part("result", n + 1)
    out.add(node, KG.resultOf, outcome_node)
    out.typed(node, KG.OutcomeResult)
    out.add(node, KG.position, Literal(str(n + 1), datatype=XSD.integer))
    out.code(node, KG.resultOutcomeType, "result-outcome-type", outcome.type)
    out.text(node, KG.resultTimeFrame, outcome.time_frame)
    out.code(node, KG.reportingStatus, "reporting-status", outcome.reporting_status)
    out.text(node, KG.anticipatedPostingDate, outcome.anticipated_posting_date)
    out.text(node, KG.typeUnitsAnalyzed, outcome.type_units_analyzed)
    for group in group_nodes.values():
        out.add(node, KG.reportsGroup, group)
    _measure(node, outcome.measure, group_nodes, out)
    for k, analysis in enumerate(outcome.analyses):
        _analysis(out, node, NamedNode(f"{node.value}/analysis/{k + 1}"), analysis, group_nodes)


def _analysis(out: QuadSink, result: NamedNode, node: NamedNode, analysis: Analysis,
              group_nodes: dict[str, NamedNode]) -> None:
    out.add(result, KG.analysis, node)
    out.typed(node, KG.StatisticalAnalysis)
    for group_id in analysis.group_ids:
        out.add(node, KG.comparesGroup, group_nodes[group_id])
    out.text(node, KG.groupsDescription, analysis.groups_description)
    out.text(node, KG.statisticalMethod, analysis.method)
    out.text(node, KG.methodComment, analysis.method_comment)
    number(out, node, KG.pValue, analysis.p_value)
    out.text(node, KG.pValueComparator, analysis.p_value_sign)
    out.text(node, KG.pValueComment, analysis.p_value_comment)
    out.text(node, KG.estimateType, analysis.estimate_type)
    number(out, node, KG.estimateValue, analysis.estimate_value)
    out.text(node, KG.estimateComment, analysis.estimate_comment)
    number(out, node, KG.ciPercent, analysis.ci_percent)
    out.code(node, KG.ciSides, "ci-sides", analysis.ci_sides)
    number(out, node, KG.ciLowerLimit, analysis.ci_lower)
    number(out, node, KG.ciUpperLimit, analysis.ci_upper)
    out.text(node, KG.ciLowerLimitComment, analysis.ci_lower_comment)
    out.text(node, KG.ciUpperLimitComment, analysis.ci_upper_comment)
    out.code(node, KG.dispersionType, "dispersion-type", analysis.dispersion_type)
    number(out, node, KG.dispersionValue, analysis.dispersion_value)
    out.code(node, KG.nonInferiorityType, "non-inferiority-type", analysis.non_inferiority_type)
    out.text(node, KG.nonInferiorityComment, analysis.non_inferiority_comment)
    if analysis.tested_non_inferiority is not None:
        out.add(node, KG.testedNonInferiority, Literal("true" if analysis.tested_non_inferiority else "false",
                                                       datatype=XSD.boolean))
    out.text(node, KG.otherAnalysisDescription, analysis.other_description)
    texts(out, node, analysis.texts)
