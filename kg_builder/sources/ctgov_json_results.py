"""API v2 ``resultsSection`` → :class:`~kg_builder.model_results.Results`.

Participant flow, baseline characteristics, outcome measures with their measurements and
analyses, adverse events, and the "more information" module. Every reference to a group is
checked against the groups of its own module (or outcome measure): a value for a group the
module does not list is a warning and is left out, never attached to a guessed group.
Codes written as labels by older exports ("95% Confidence Interval", "2-Sided") become the
API v2 codes (``CONFIDENCE_95``, ``TWO_SIDED``) through :func:`~kg_builder.sources.values.to_code`.
"""

from __future__ import annotations

from typing import Any

from kg_builder.model import Contact, Study
from kg_builder.model_record import CertainAgreement
from kg_builder.model_results import (
    AdverseEvent,
    AdverseEvents,
    Analysis,
    Baseline,
    Category,
    Denominator,
    EventCount,
    EventGroupTotals,
    FlowPeriod,
    FlowStep,
    GroupCount,
    MeasureClass,
    Measurement,
    OutcomeResult,
    ParticipantFlow,
    ResultGroup,
    ResultMeasure,
    Results,
)
from kg_builder.sources.json_reader import JsonReader
from kg_builder.sources.values import to_code

Obj = dict[str, Any] | None
_MEASUREMENT_NUMBERS = (("value", "value"), ("spread", "spread"), ("lowerLimit", "lower"), ("upperLimit", "upper"))
_TOTALS = ("deathsNumAffected", "deathsNumAtRisk", "seriousNumAffected", "seriousNumAtRisk",
           "otherNumAffected", "otherNumAtRisk")


def read_results(reader: JsonReader, study: Study, section: Obj) -> None:
    """Fill ``study.results`` (and the agreement and results contact) from ``resultsSection``."""
    if section is None:
        return
    p = "resultsSection"
    flow = reader.obj(section, "participantFlowModule", p)
    baseline = reader.obj(section, "baselineCharacteristicsModule", p)
    outcomes = reader.obj(section, "outcomeMeasuresModule", p)
    events = reader.obj(section, "adverseEventsModule", p)
    more = reader.obj(section, "moreInfoModule", p)
    q = f"{p}.outcomeMeasuresModule"
    study.results = Results(
        flow=_flow(reader, flow, f"{p}.participantFlowModule") if flow is not None else None,
        baseline=_baseline(reader, baseline, f"{p}.baselineCharacteristicsModule") if baseline is not None else None,
        outcomes=tuple(_outcome(reader, item, f"{q}.outcomeMeasures[{i}]")
                       for i, item in reader.objs(outcomes, "outcomeMeasures", q)),
        adverse_events=_adverse_events(reader, events, f"{p}.adverseEventsModule") if events is not None else None,
        limitations=reader.text(reader.obj(more, "limitationsAndCaveats", f"{p}.moreInfoModule"), "description",
                                f"{p}.moreInfoModule.limitationsAndCaveats"),
    )
    _more_info(reader, study, more, f"{p}.moreInfoModule")


def _code(reader: JsonReader, parent: Obj, key: str, path: str) -> str | None:
    return to_code(reader.code(parent, key, path))


def _groups(reader: JsonReader, parent: Obj, key: str, path: str) -> tuple[ResultGroup, ...]:
    out: list[ResultGroup] = []
    seen: set[str] = set()
    for i, item in reader.objs(parent, key, path):
        q = f"{path}.{key}[{i}]"
        group_id = reader.code(item, "id", q)
        if group_id is None or group_id in seen:
            reader.warn(f"{q}.id", "group without a unique id, left out", item.get("id"))
            continue
        seen.add(group_id)
        title = reader.text(item, "title", q)
        if title is None:
            reader.warn(f"{q}.title", "group without a title; its id stands in", item.get("title"))
        out.append(ResultGroup(group_id, title or group_id, reader.text(item, "description", q)))
    return tuple(out)


def _group_id(reader: JsonReader, item: Obj, path: str, known: set[str]) -> str | None:
    """The item's groupId when its module lists that group; else a warning and None."""
    group_id = reader.code(item, "groupId", path)
    if group_id is None or group_id not in known:
        reader.warn(f"{path}.groupId", "names no group of its module, value left out", group_id)
        return None
    return group_id


def _counts(reader: JsonReader, parent: Obj, key: str, path: str, known: set[str],
            number: str = "numSubjects") -> tuple[GroupCount, ...]:
    out = []
    for i, item in reader.objs(parent, key, path):
        q = f"{path}.{key}[{i}]"
        if (group_id := _group_id(reader, item, q, known)) is None:
            continue
        count, text = reader.stated_count(item, number, q)
        out.append(GroupCount(group_id, count, reader.text(item, "comment", q), text))
    return tuple(out)


def _denominators(reader: JsonReader, parent: Obj, path: str, known: set[str]) -> tuple[Denominator, ...]:
    return tuple(
        Denominator(reader.text(item, "units", f"{path}.denoms[{i}]"),
                    _counts(reader, item, "counts", f"{path}.denoms[{i}]", known, "value"))
        for i, item in reader.objs(parent, "denoms", path)
    )


def _flow(reader: JsonReader, module: dict[str, Any], p: str) -> ParticipantFlow:
    groups = _groups(reader, module, "groups", p)
    known = {g.id for g in groups}
    periods = []
    for i, period in reader.objs(module, "periods", p):
        q = f"{p}.periods[{i}]"
        steps: dict[str, list[FlowStep]] = {"milestones": [], "dropWithdraws": []}
        for key, counts_key in (("milestones", "achievements"), ("dropWithdraws", "reasons")):
            for j, item in reader.objs(period, key, q):
                r = f"{q}.{key}[{j}]"
                kind = reader.text(item, "type", r)
                if kind is None:
                    reader.warn(f"{r}.type", "flow step without a type, left out", item.get("type"))
                    continue
                steps[key].append(FlowStep(kind, _counts(reader, item, counts_key, r, known),
                                           reader.text(item, "comment", r)))
        periods.append(FlowPeriod(reader.text(period, "title", q), tuple(steps["milestones"]),
                                  tuple(steps["dropWithdraws"])))
    return ParticipantFlow(
        groups=groups, periods=tuple(periods),
        recruitment_details=reader.text(module, "recruitmentDetails", p),
        pre_assignment_details=reader.text(module, "preAssignmentDetails", p),
        types_units_analyzed=reader.text(module, "typeUnitsAnalyzed", p),
    )


def _measure(reader: JsonReader, item: dict[str, Any], q: str, known: set[str]) -> ResultMeasure:
    classes = []
    for i, cls in reader.objs(item, "classes", q):
        r = f"{q}.classes[{i}]"
        categories = []
        for j, category in reader.objs(cls, "categories", r):
            s = f"{r}.categories[{j}]"
            measurements = []
            for k, value in reader.objs(category, "measurements", s):
                t = f"{s}.measurements[{k}]"
                if (group_id := _group_id(reader, value, t, known)) is None:
                    continue
                texts: list[tuple[str, str]] = []
                numbers = {field: reader.decimal(value, key, t, texts) for key, field in _MEASUREMENT_NUMBERS}
                measurements.append(Measurement(group_id, comment=reader.text(value, "comment", t),
                                                texts=tuple(texts), **numbers))
            categories.append(Category(reader.text(category, "title", s), tuple(measurements)))
        classes.append(MeasureClass(reader.text(cls, "title", r), tuple(categories),
                                    _denominators(reader, cls, r, known)))
    return ResultMeasure(
        title=reader.text(item, "title", q) or "",
        description=reader.text(item, "description", q),
        population=reader.text(item, "populationDescription", q),
        unit=reader.text(item, "unitOfMeasure", q),
        param_type=_code(reader, item, "paramType", q),
        dispersion_type=_code(reader, item, "dispersionType", q),
        denom_units_selected=reader.text(item, "denomUnitsSelected", q),
        denominators=_denominators(reader, item, q, known),
        classes=tuple(classes),
    )


def _baseline(reader: JsonReader, module: dict[str, Any], p: str) -> Baseline:
    groups = _groups(reader, module, "groups", p)
    known = {g.id for g in groups}
    measures = []
    for i, item in reader.objs(module, "measures", p):
        q = f"{p}.measures[{i}]"
        if reader.text(item, "title", q) is None:
            reader.warn(f"{q}.title", "baseline measure without a title, left out", item.get("title"))
            continue
        measures.append(_measure(reader, item, q, known))
    return Baseline(groups, _denominators(reader, module, p, known), tuple(measures),
                    reader.text(module, "populationDescription", p), reader.text(module, "typeUnitsAnalyzed", p))


def _outcome(reader: JsonReader, item: dict[str, Any], q: str) -> OutcomeResult:
    groups = _groups(reader, item, "groups", q)
    known = {g.id for g in groups}
    measure = _measure(reader, item, q, known)
    if not measure.title:
        reader.warn(f"{q}.title", "outcome measure without a title", item.get("title"))
    analyses = tuple(_analysis(reader, a, f"{q}.analyses[{i}]", known)
                     for i, a in reader.objs(item, "analyses", q))
    return OutcomeResult(
        type=_code(reader, item, "type", q), measure=measure, time_frame=reader.text(item, "timeFrame", q),
        reporting_status=_code(reader, item, "reportingStatus", q),
        anticipated_posting_date=reader.code(item, "anticipatedPostingDate", q),
        type_units_analyzed=reader.text(item, "typeUnitsAnalyzed", q), groups=groups, analyses=analyses,
    )


def _analysis(reader: JsonReader, item: dict[str, Any], q: str, known: set[str]) -> Analysis:
    group_ids = []
    for group_id in reader.codes(item, "groupIds", q):
        if group_id in known:
            group_ids.append(group_id)
        else:
            reader.warn(f"{q}.groupIds", "names no group of its outcome measure, left out", group_id)
    texts: list[tuple[str, str]] = []
    sign, p_value, p_text = reader.stated(item, "pValue", q)
    if p_text is not None:
        texts.append(("pValue", p_text))
    numbers = {field: reader.decimal(item, key, q, texts) for key, field in (
        ("paramValue", "estimate_value"), ("ciPctValue", "ci_percent"), ("ciLowerLimit", "ci_lower"),
        ("ciUpperLimit", "ci_upper"), ("dispersionValue", "dispersion_value"))}
    return Analysis(
        group_ids=tuple(group_ids),
        groups_description=reader.text(item, "groupDescription", q),
        method=reader.text(item, "statisticalMethod", q),
        method_comment=reader.text(item, "statisticalComment", q),
        p_value=p_value, p_value_sign=sign, p_value_text=p_text,
        p_value_comment=reader.text(item, "pValueComment", q),
        estimate_type=reader.text(item, "paramType", q),
        estimate_comment=reader.text(item, "estimateComment", q),
        ci_sides=_code(reader, item, "ciNumSides", q),
        ci_lower_comment=reader.text(item, "ciLowerLimitComment", q),
        ci_upper_comment=reader.text(item, "ciUpperLimitComment", q),
        dispersion_type=_code(reader, item, "dispersionType", q),
        non_inferiority_type=_code(reader, item, "nonInferiorityType", q),
        non_inferiority_comment=reader.text(item, "nonInferiorityComment", q),
        tested_non_inferiority=reader.boolean(item, "testedNonInferiority", q),
        other_description=reader.text(item, "otherAnalysisDescription", q),
        texts=tuple(texts),
        **numbers,
    )


def _adverse_events(reader: JsonReader, module: dict[str, Any], p: str) -> AdverseEvents:
    groups = _groups(reader, module, "eventGroups", p)
    known = {g.id for g in groups}
    totals = []
    for i, item in reader.objs(module, "eventGroups", p):
        q = f"{p}.eventGroups[{i}]"
        group_id = reader.code(item, "id", q)
        if group_id in known:
            values = [reader.count(item, key, q) for key in _TOTALS]
            if any(v is not None for v in values):
                totals.append(EventGroupTotals(group_id, *values))
    events = []
    for key, serious in (("seriousEvents", True), ("otherEvents", False)):
        for i, item in reader.objs(module, key, p):
            q = f"{p}.{key}[{i}]"
            term = reader.text(item, "term", q)
            if term is None:
                reader.warn(f"{q}.term", "adverse event without a term, left out", item.get("term"))
                continue
            counts = []
            for j, stat in reader.objs(item, "stats", q):
                r = f"{q}.stats[{j}]"
                if (group_id := _group_id(reader, stat, r, known)) is not None:
                    counts.append(EventCount(group_id, reader.count(stat, "numAffected", r),
                                             reader.count(stat, "numAtRisk", r), reader.count(stat, "numEvents", r)))
            events.append(AdverseEvent(
                term=term, serious=serious, organ_system=reader.text(item, "organSystem", q),
                source_vocabulary=reader.text(item, "sourceVocabulary", q),
                assessment_type=_code(reader, item, "assessmentType", q), notes=reader.text(item, "notes", q),
                counts=tuple(counts),
            ))
    return AdverseEvents(
        groups=groups, totals=tuple(totals), events=tuple(events),
        frequency_threshold=reader.decimal(module, "frequencyThreshold", p),
        time_frame=reader.text(module, "timeFrame", p), description=reader.text(module, "description", p),
        mortality_comment=reader.text(module, "allCauseMortalityComment", p),
    )


def _more_info(reader: JsonReader, study: Study, more: Obj, p: str) -> None:
    agreement = reader.obj(more, "certainAgreement", p)
    if agreement is not None:
        q = f"{p}.certainAgreement"
        study.details.agreement = CertainAgreement(
            pi_sponsor_employee=reader.boolean(agreement, "piSponsorEmployee", q),
            restrictive=reader.boolean(agreement, "restrictiveAgreement", q),
            restriction_type=_code(reader, agreement, "restrictionType", q),
            details=reader.text(agreement, "otherDetails", q),
        )
    contact = reader.obj(more, "pointOfContact", p)
    if contact is not None:
        q = f"{p}.pointOfContact"
        phone, ext = reader.text(contact, "phone", q), reader.text(contact, "phoneExt", q)
        if phone and ext:
            phone = f"{phone} ext. {ext}" if ext.isdigit() else f"{phone} ({ext})"
        name = reader.text(contact, "title", q)
        organization = reader.text(contact, "organization", q)
        if name or organization:
            study.results_contact = Contact(name or "", "RESULTS_POINT_OF_CONTACT", phone,
                                                    reader.text(contact, "email", q), organization)
