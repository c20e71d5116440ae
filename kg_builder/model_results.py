"""The results part of the canonical model: participant flow, baseline, outcome results, adverse events.

Filled by the API v2 JSON and classic XML parsers alike, read by :mod:`kg_builder.mapping.results`.
Nothing here knows about RDF or raw text.

Conventions shared by both parsers:

* a *group* is referenced by the record's own id (``OG000`` in API v2, ``O1`` in XML), which is
  only unique inside its module (or, for outcome results, inside its outcome measure);
* numbers are :class:`~decimal.Decimal` exactly as stated (``84.2`` stays ``84.2``); a value the
  record writes as text ("NA", "not estimable") is kept as text next to a ``None`` number, never
  turned into a number;
* codes are API v2 enumeration codes (``COUNT_OF_PARTICIPANTS``, ``STANDARD_DEVIATION``,
  ``TWO_SIDED``, ``SYSTEMATIC_ASSESSMENT``); free phrases such as a statistical method stay as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(slots=True, frozen=True)
class ResultGroup:
    """An arm or group as one results module reports it."""

    id: str  # the record's own id, unique within its module
    title: str
    description: str | None = None


@dataclass(slots=True, frozen=True)
class GroupCount:
    """A count of participants (or units) for one group, with the record's comment on it."""

    group_id: str
    count: int | None  # None when the record writes no number ("NA")
    comment: str | None = None
    text: str | None = None  # the stated value when it is not a whole number


@dataclass(slots=True, frozen=True)
class Denominator:
    """How many participants (or other units) each group analysed."""

    units: str | None
    counts: tuple[GroupCount, ...] = ()


@dataclass(slots=True, frozen=True)
class FlowStep:
    """A milestone (STARTED, COMPLETED, …) or a reason for leaving, with its count per group."""

    type: str  # as written: "STARTED", "Withdrawal by Subject", "Treated"
    counts: tuple[GroupCount, ...] = ()
    comment: str | None = None


@dataclass(slots=True, frozen=True)
class FlowPeriod:
    title: str | None
    milestones: tuple[FlowStep, ...] = ()
    drop_reasons: tuple[FlowStep, ...] = ()


@dataclass(slots=True, frozen=True)
class ParticipantFlow:
    groups: tuple[ResultGroup, ...] = ()
    periods: tuple[FlowPeriod, ...] = ()
    recruitment_details: str | None = None
    pre_assignment_details: str | None = None
    types_units_analyzed: str | None = None


@dataclass(slots=True, frozen=True)
class Measurement:
    """One value of one group in one category of a measure, with its spread and limits."""

    group_id: str
    value: Decimal | None = None
    spread: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    comment: str | None = None
    # each of value/spread/lower/upper the record states as something other than a number ("NA")
    texts: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True, frozen=True)
class Category:
    title: str | None
    measurements: tuple[Measurement, ...] = ()


@dataclass(slots=True, frozen=True)
class MeasureClass:
    """A row block of a results table (a time point, a sub-population); holds categories."""

    title: str | None
    categories: tuple[Category, ...] = ()
    denominators: tuple[Denominator, ...] = ()


@dataclass(slots=True, frozen=True)
class Analysis:
    """A statistical analysis comparing groups of one outcome measure."""

    group_ids: tuple[str, ...]
    groups_description: str | None = None
    method: str | None = None  # "ANCOVA", "Log Rank" … as written
    method_comment: str | None = None
    p_value: Decimal | None = None
    p_value_sign: str | None = None  # "<", "<=", ">", ">=", "=" when the record writes one
    p_value_text: str | None = None  # the stated p-value when it is not a number
    p_value_comment: str | None = None
    estimate_type: str | None = None  # "Hazard Ratio (HR)" … as written
    estimate_value: Decimal | None = None
    estimate_comment: str | None = None
    ci_percent: Decimal | None = None
    ci_sides: str | None = None  # ONE_SIDED / TWO_SIDED
    ci_lower: Decimal | None = None
    ci_upper: Decimal | None = None
    ci_lower_comment: str | None = None
    ci_upper_comment: str | None = None
    dispersion_type: str | None = None
    dispersion_value: Decimal | None = None
    non_inferiority_type: str | None = None  # SUPERIORITY / NON_INFERIORITY / EQUIVALENCE / OTHER …
    non_inferiority_comment: str | None = None
    tested_non_inferiority: bool | None = None
    other_description: str | None = None
    # each number the record states as text ("NA", "not estimable"): (field, text)
    texts: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True, frozen=True)
class ResultMeasure:
    """A baseline characteristic or a reported outcome measure: a table of values per group."""

    title: str
    description: str | None = None
    population: str | None = None
    unit: str | None = None
    param_type: str | None = None  # MEAN / MEDIAN / COUNT_OF_PARTICIPANTS / NUMBER …
    dispersion_type: str | None = None  # STANDARD_DEVIATION / FULL_RANGE / CONFIDENCE_INTERVAL_95 …
    denom_units_selected: str | None = None
    denominators: tuple[Denominator, ...] = ()
    classes: tuple[MeasureClass, ...] = ()


@dataclass(slots=True, frozen=True)
class Baseline:
    groups: tuple[ResultGroup, ...] = ()
    denominators: tuple[Denominator, ...] = ()
    measures: tuple[ResultMeasure, ...] = ()
    population: str | None = None
    types_units_analyzed: str | None = None


@dataclass(slots=True, frozen=True)
class OutcomeResult:
    """One outcome measure's posted results."""

    type: str | None  # PRIMARY / SECONDARY / OTHER_PRE_SPECIFIED / POST_HOC
    measure: ResultMeasure
    time_frame: str | None = None
    reporting_status: str | None = None  # POSTED / NOT_POSTED
    anticipated_posting_date: str | None = None
    type_units_analyzed: str | None = None
    groups: tuple[ResultGroup, ...] = ()
    analyses: tuple[Analysis, ...] = ()


@dataclass(slots=True, frozen=True)
class EventGroupTotals:
    """Per group: how many died, had a serious or another adverse event, of how many at risk."""

    group_id: str
    deaths_affected: int | None = None
    deaths_at_risk: int | None = None
    serious_affected: int | None = None
    serious_at_risk: int | None = None
    other_affected: int | None = None
    other_at_risk: int | None = None


@dataclass(slots=True, frozen=True)
class EventCount:
    group_id: str
    affected: int | None = None
    at_risk: int | None = None
    events: int | None = None


@dataclass(slots=True, frozen=True)
class AdverseEvent:
    term: str
    serious: bool
    organ_system: str | None = None
    source_vocabulary: str | None = None
    assessment_type: str | None = None  # SYSTEMATIC_ASSESSMENT / NON_SYSTEMATIC_ASSESSMENT
    notes: str | None = None
    counts: tuple[EventCount, ...] = ()


@dataclass(slots=True, frozen=True)
class AdverseEvents:
    groups: tuple[ResultGroup, ...] = ()
    totals: tuple[EventGroupTotals, ...] = ()
    events: tuple[AdverseEvent, ...] = ()
    frequency_threshold: Decimal | None = None  # percent; "other" events below it are not reported
    time_frame: str | None = None
    description: str | None = None
    mortality_comment: str | None = None


@dataclass(slots=True, frozen=True)
class Results:
    """A study's posted results; each part absent when the record has none."""

    flow: ParticipantFlow | None = None
    baseline: Baseline | None = None
    outcomes: tuple[OutcomeResult, ...] = ()
    adverse_events: AdverseEvents | None = None
    limitations: str | None = None
