"""Arms, interventions, outcomes and eligibility: the study-local parts of the protocol."""

from __future__ import annotations

from kg_builder.mapping import terms
from kg_builder.mapping.context import MappingContext
from kg_builder.mapping.sink import QuadSink
from kg_builder.model import Study
from kg_builder.vocab import KG


def map_arms_and_interventions(
    study: Study, ctx: MappingContext, out: QuadSink, links: set[tuple[int, int]]
) -> None:
    """Arms, interventions, and ``links`` (arm index, intervention index) between them."""
    for index, arm in enumerate(study.arms):
        node = ctx.arm(index)
        out.add(ctx.study, KG.arm, node)
        out.typed(node, KG.Arm)
        out.label(node, arm.label)
        out.code(node, KG.armType, "arm-type", arm.type)
        out.text(node, KG.description, arm.description)
        out.add(node, KG.position, terms.integer(index + 1))
    for index, intervention in enumerate(study.interventions):
        node = ctx.intervention(index)
        out.add(ctx.study, KG.intervention, node)
        out.typed(node, KG.Intervention)
        out.label(node, intervention.name)
        out.code(node, KG.interventionType, "intervention-type", intervention.type)
        out.text(node, KG.description, intervention.description)
        for other in intervention.other_names:
            out.text(node, KG.otherName, other)
        out.add(node, KG.position, terms.integer(index + 1))
    for arm_index, intervention_index in sorted(links):
        out.add(ctx.arm(arm_index), KG.usesIntervention, ctx.intervention(intervention_index))


def map_outcomes(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    for index, outcome in enumerate(study.outcomes):
        node = ctx.outcome(index)
        out.add(ctx.study, KG.outcome, node)
        out.typed(node, KG.Outcome)
        out.code(node, KG.outcomeKind, "outcome-kind", outcome.kind)
        out.label(node, outcome.measure)
        out.text(node, KG.description, outcome.description)
        out.text(node, KG.timeFrameText, outcome.time_frame)
        out.add(node, KG.position, terms.integer(index + 1))


def map_eligibility(study: Study, ctx: MappingContext, out: QuadSink) -> None:
    eligibility = study.eligibility
    if eligibility is None:
        return
    node = ctx.eligibility
    out.add(ctx.study, KG.eligibility, node)
    out.typed(node, KG.Eligibility)
    out.text(node, KG.criteriaText, eligibility.criteria_text)
    for age, value_p, unit_p, years_p in (
        (eligibility.min_age, KG.minimumAge, KG.minimumAgeUnit, KG.minimumAgeYears),
        (eligibility.max_age, KG.maximumAge, KG.maximumAgeUnit, KG.maximumAgeYears),
    ):
        if age is None:
            continue
        out.add(node, value_p, terms.decimal(age.value))
        out.text(node, unit_p, age.unit)
        out.add(node, years_p, terms.decimal(round(age.in_years(), 4)))
    out.code(node, KG.sex, "sex", eligibility.sex)
    if eligibility.healthy_volunteers is not None:
        out.add(node, KG.healthyVolunteers, terms.boolean(eligibility.healthy_volunteers))
    for std_age in eligibility.std_ages:
        out.code(node, KG.standardAgeGroup, "age-group", std_age)
    for index, criterion in enumerate(eligibility.criteria):
        item = ctx.criterion(index)
        out.add(node, KG.criterion, item)
        out.typed(item, KG.Criterion)
        out.code(item, KG.criterionKind, "criterion-kind", criterion.kind)
        out.text(item, KG.text, criterion.text)
        out.text(item, KG.group, criterion.group)
        out.add(item, KG.position, terms.integer(index + 1))
