"""Classic XML ``<clinical_results>`` → :class:`~kg_builder.model_results.Results`.

The same model the API v2 reader fills, so both formats of one study agree: labels become
API v2 codes ("Count of Participants" → ``COUNT_OF_PARTICIPANTS``, "2-Sided" → ``TWO_SIDED``),
the "Total" rows of the adverse-event tables ("Total, serious adverse events", "Total,
all-cause mortality") become the per-group totals API v2 keeps on its event groups, and a
measurement's element text (e.g. "Stimulated value not measured.") is its comment. A value
for a group its module does not list is a warning and is left out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

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
from kg_builder.sources.json_reader import stated_number
from kg_builder.sources.textblock import paragraphs
from kg_builder.sources.values import to_code, whole_number

_TOTALS = {  # "Total" rows of the event tables → EventGroupTotals fields (affected, at risk)
    "total, all-cause mortality": ("deaths_affected", "deaths_at_risk"),
    "total, serious adverse events": ("serious_affected", "serious_at_risk"),
    "total, other adverse events": ("other_affected", "other_at_risk"),
}
_MEASUREMENT_NUMBERS = (("value", "value"), ("spread", "spread"), ("lower_limit", "lower"), ("upper_limit", "upper"))
_ANALYSIS_NUMBERS = (("param_value", "estimate_value", "paramValue"), ("ci_percent", "ci_percent", "ciPctValue"),
                     ("ci_lower_limit", "ci_lower", "ciLowerLimit"), ("ci_upper_limit", "ci_upper", "ciUpperLimit"),
                     ("dispersion_value", "dispersion_value", "dispersionValue"))


class _Reader:
    """Typed access to one study's results elements; problems become the study's warnings."""

    def __init__(self, study: Study) -> None:
        self.study = study

    def warn(self, where: str, problem: str, value: object) -> None:
        self.study.warnings.append(f"clinical_results/{where}: {problem}, got {value!r}")

    @staticmethod
    def text(elem: ET.Element | None, path: str) -> str | None:
        node = elem.find(path) if elem is not None else None
        if node is None or node.text is None:
            return None
        return paragraphs(node.text)

    def count(self, value: str | None, where: str) -> tuple[int | None, str | None]:
        if value is None or not value.strip():
            return None, None
        if (number := whole_number(value)) is not None:
            return number, None
        return None, value.strip()

    def whole(self, value: str | None, where: str) -> int | None:
        number, text = self.count(value, where)
        if text is not None:
            self.warn(where, "expected a non-negative integer", text)
        return number

    def decimal(self, value: str | None, field: str, texts: list[tuple[str, str]]) -> Decimal | None:
        if value is None or not value.strip():
            return None
        sign, number = stated_number(value)
        if number is None or (sign is not None and sign != "="):
            texts.append((field, value.strip()))
            return None
        return number


def read_results(study: Study, root: ET.Element) -> None:
    """Fill ``study.results`` (and the agreement and results contact) from ``<clinical_results>``."""
    node = root.find("clinical_results")
    if node is None:
        return
    r = _Reader(study)
    flow, baseline, events = node.find("participant_flow"), node.find("baseline"), node.find("reported_events")
    study.results = Results(
        flow=_flow(r, flow) if flow is not None else None,
        baseline=_baseline(r, baseline) if baseline is not None else None,
        outcomes=tuple(_outcome(r, item, i) for i, item in enumerate(node.findall("outcome_list/outcome"))),
        adverse_events=_events(r, events) if events is not None else None,
        limitations=r.text(node, "limitations_and_caveats"),
    )
    agreement = node.find("certain_agreements")
    if agreement is not None:
        employee = (r.text(agreement, "pi_employee") or "").casefold()
        study.details.agreement = CertainAgreement(
            pi_sponsor_employee=True if " are employed" in employee else False if " not employed" in employee else None,
            details=r.text(agreement, "restrictive_agreement"),
        )
    contact = node.find("point_of_contact")
    if contact is not None:
        phone, ext = r.text(contact, "phone"), r.text(contact, "phone_ext")
        if phone and ext:
            phone = f"{phone} ext. {ext}" if ext.isdigit() else f"{phone} ({ext})"
        name, organization = r.text(contact, "name_or_title"), r.text(contact, "organization")
        if name or organization:
            study.results_contact = Contact(name or "", "RESULTS_POINT_OF_CONTACT", phone,
                                                    r.text(contact, "email"), organization)


def _groups(r: _Reader, parent: ET.Element, where: str) -> tuple[ResultGroup, ...]:
    out: list[ResultGroup] = []
    seen: set[str] = set()
    for node in parent.findall("group_list/group"):
        group_id = (node.get("group_id") or "").strip()
        if not group_id or group_id in seen:
            r.warn(f"{where}/group_list/group", "group without a unique group_id, left out", group_id)
            continue
        seen.add(group_id)
        title = r.text(node, "title")
        if title is None:
            r.warn(f"{where}/group_list/group", "group without a title; its id stands in", group_id)
        out.append(ResultGroup(group_id, title or group_id, r.text(node, "description")))
    return tuple(out)


def _known(r: _Reader, node: ET.Element, known: set[str], where: str) -> str | None:
    group_id = (node.get("group_id") or "").strip()
    if group_id not in known:
        r.warn(where, "names no group of its module, value left out", group_id)
        return None
    return group_id


def _participants(r: _Reader, parent: ET.Element, known: set[str], where: str) -> tuple[GroupCount, ...]:
    out = []
    for node in parent.findall("participants_list/participants"):
        if (group_id := _known(r, node, known, where)) is not None:
            count, text = r.count(node.get("count"), where)
            out.append(GroupCount(group_id, count, paragraphs(node.text) if node.text else None, text))
    return tuple(out)


def _flow(r: _Reader, flow: ET.Element) -> ParticipantFlow:
    groups = _groups(r, flow, "participant_flow")
    known = {g.id for g in groups}
    periods = []
    for period in flow.findall("period_list/period"):
        steps = {}
        for path in ("milestone_list/milestone", "drop_withdraw_reason_list/drop_withdraw_reason"):
            steps[path] = tuple(
                FlowStep(kind, _participants(r, node, known, f"participant_flow/{path}"))
                for node in period.findall(path) if (kind := r.text(node, "title")) is not None
            )
        periods.append(FlowPeriod(r.text(period, "title"), steps["milestone_list/milestone"],
                                  steps["drop_withdraw_reason_list/drop_withdraw_reason"]))
    return ParticipantFlow(groups, tuple(periods), r.text(flow, "recruitment_details"),
                           r.text(flow, "pre_assignment_details"))


def _denominators(r: _Reader, parent: ET.Element, known: set[str], where: str) -> tuple[Denominator, ...]:
    out = []
    for analyzed in parent.findall("analyzed_list/analyzed"):
        counts = []
        for node in analyzed.findall("count_list/count"):
            if (group_id := _known(r, node, known, f"{where}/analyzed_list")) is not None:
                count, text = r.count(node.get("value"), where)
                counts.append(GroupCount(group_id, count, text=text))
        out.append(Denominator(r.text(analyzed, "units"), tuple(counts)))
    return tuple(out)


def _measure(r: _Reader, measure: ET.Element, known: set[str], where: str, *,
             title: str | None = None, description: str | None = None, population: str | None = None
             ) -> ResultMeasure:
    classes = []
    for cls in measure.findall("class_list/class"):
        categories = []
        for category in cls.findall("category_list/category"):
            values = []
            for node in category.findall("measurement_list/measurement"):
                if (group_id := _known(r, node, known, f"{where}/measurement")) is None:
                    continue
                texts: list[tuple[str, str]] = []
                numbers = {field: r.decimal(node.get(attr), field, texts) for attr, field in _MEASUREMENT_NUMBERS}
                comment = paragraphs(node.text) if node.text and node.text.strip() else None
                values.append(Measurement(group_id, comment=comment, texts=_json_names(texts), **numbers))
            categories.append(Category(r.text(category, "title"), tuple(values)))
        classes.append(MeasureClass(r.text(cls, "title"), tuple(categories), _denominators(r, cls, known, where)))
    return ResultMeasure(
        title=title or r.text(measure, "title") or "",
        description=description or r.text(measure, "description"),
        population=population or r.text(measure, "population"),
        unit=r.text(measure, "units"),
        param_type=to_code(r.text(measure, "param")),
        dispersion_type=to_code(r.text(measure, "dispersion")),
        denom_units_selected=r.text(measure, "units_analyzed"),
        denominators=_denominators(r, measure, known, where),
        classes=tuple(classes),
    )


def _json_names(texts: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Name each stated-as-text value by its API v2 field, as the JSON reader does."""
    names = {"value": "value", "spread": "spread", "lower": "lowerLimit", "upper": "upperLimit"}
    return tuple((names.get(field, field), text) for field, text in texts)


def _baseline(r: _Reader, baseline: ET.Element) -> Baseline:
    groups = _groups(r, baseline, "baseline")
    known = {g.id for g in groups}
    measures = tuple(_measure(r, m, known, "baseline") for m in baseline.findall("measure_list/measure")
                     if r.text(m, "title") is not None)
    return Baseline(groups, _denominators(r, baseline, known, "baseline"), measures, r.text(baseline, "population"))


def _outcome(r: _Reader, outcome: ET.Element, index: int) -> OutcomeResult:
    where = f"outcome_list/outcome[{index + 1}]"
    groups = _groups(r, outcome, where)
    known = {g.id for g in groups}
    node = outcome.find("measure")
    title, description, population = r.text(outcome, "title"), r.text(outcome, "description"), r.text(outcome,
                                                                                                   "population")
    if node is not None:
        measure = _measure(r, node, known, where, title=title, description=description, population=population)
    else:
        measure = ResultMeasure(title or "", description, population)
    return OutcomeResult(
        type=to_code(r.text(outcome, "type")), measure=measure, time_frame=r.text(outcome, "time_frame"),
        reporting_status="POSTED" if node is not None else "NOT_POSTED",
        anticipated_posting_date=r.text(outcome, "posting_date"), groups=groups,
        analyses=tuple(_analysis(r, a, known, where) for a in outcome.findall("analysis_list/analysis")),
    )


def _analysis(r: _Reader, node: ET.Element, known: set[str], where: str) -> Analysis:
    group_ids = []
    for item in node.findall("group_id_list/group_id"):
        group_id = (item.text or "").strip()
        if group_id in known:
            group_ids.append(group_id)
        else:
            r.warn(f"{where}/analysis", "names no group of its outcome measure, left out", group_id)
    texts: list[tuple[str, str]] = []
    raw_p = r.text(node, "p_value")
    sign, p_value = stated_number(raw_p) if raw_p else (None, None)
    if raw_p and p_value is None:
        texts.append(("pValue", raw_p))
    numbers = {}
    for tag, field, json_name in _ANALYSIS_NUMBERS:
        found: list[tuple[str, str]] = []
        numbers[field] = r.decimal(r.text(node, tag), json_name, found)
        texts.extend(found)
    return Analysis(
        group_ids=tuple(group_ids), groups_description=r.text(node, "groups_desc"), method=r.text(node, "method"),
        method_comment=r.text(node, "method_desc"), p_value=p_value, p_value_sign=sign,
        p_value_text=raw_p if p_value is None else None, p_value_comment=r.text(node, "p_value_desc"),
        estimate_type=r.text(node, "param_type"), estimate_comment=r.text(node, "estimate_desc"),
        ci_sides=to_code(r.text(node, "ci_n_sides")),
        ci_upper_comment=r.text(node, "ci_upper_limit_na_comment"),
        dispersion_type=to_code(r.text(node, "dispersion_type")),
        non_inferiority_type=to_code(r.text(node, "non_inferiority_type")),
        non_inferiority_comment=r.text(node, "non_inferiority_desc"),
        other_description=r.text(node, "other_analysis_desc"), texts=tuple(texts), **numbers,
    )


def _events(r: _Reader, reported: ET.Element) -> AdverseEvents:
    groups = _groups(r, reported, "reported_events")
    known = {g.id for g in groups}
    totals: dict[str, dict[str, int | None]] = {}
    events = []
    threshold = None
    for tag, serious in (("serious_events", True), ("other_events", False)):
        block = reported.find(tag)
        if block is None:
            continue
        raw = r.text(block, "frequency_threshold")
        if raw is not None:
            threshold = r.decimal(raw, "frequencyThreshold", [])
        vocabulary, assessment = r.text(block, "default_vocab"), to_code(r.text(block, "default_assessment"))
        for category in block.findall("category_list/category"):
            organ = r.text(category, "title")
            for event in category.findall("event_list/event"):
                term_node = event.find("sub_title")
                term = r.text(event, "sub_title")
                if term is None:
                    r.warn(f"reported_events/{tag}", "event without a sub_title, left out", organ)
                    continue
                counts = []
                for node in event.findall("counts"):
                    if (group_id := _known(r, node, known, f"reported_events/{tag}")) is not None:
                        counts.append(EventCount(group_id, r.whole(node.get("subjects_affected"), tag),
                                                 r.whole(node.get("subjects_at_risk"), tag), r.whole(node.get("events"),
                                                                                                     tag)))
                if organ == "Total" and term.casefold() in _TOTALS:
                    affected, at_risk = _TOTALS[term.casefold()]
                    for c in counts:
                        totals.setdefault(c.group_id, {})[affected] = c.affected
                        totals[c.group_id][at_risk] = c.at_risk
                    continue
                own_vocabulary = term_node.get("vocab") if term_node is not None else None
                events.append(AdverseEvent(
                    term=term, serious=serious, organ_system=organ,
                    source_vocabulary=(own_vocabulary or "").strip() or vocabulary,
                    assessment_type=to_code(r.text(event, "assessment")) or assessment,
                    notes=r.text(event, "description"), counts=tuple(counts),
                ))
    return AdverseEvents(
        groups=groups, totals=tuple(EventGroupTotals(g.id, **totals[g.id]) for g in groups if g.id in totals),
        events=tuple(events), frequency_threshold=threshold, time_frame=r.text(reported, "time_frame"),
        description=r.text(reported, "desc"),
    )
