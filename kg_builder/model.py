"""The canonical, format-neutral model of one registry study.

Every parser in :mod:`kg_builder.sources` fills a :class:`Study`; the mapper in
:mod:`kg_builder.mapping` reads it. Nothing here knows about RDF or raw text.

Code-valued fields hold the ClinicalTrials.gov API v2 enumeration codes
(``RECRUITING``, ``PHASE3``, ``INTERVENTIONAL``, ``DRUG`` …) whatever the input
format, so the concept schemes in ``ontology/codelists`` can key on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from kg_builder.model_record import RecordDetails
from kg_builder.model_results import Results
from kg_builder.partial_date import DatePrecision as DatePrecision
from kg_builder.partial_date import PartialDate as PartialDate

OutcomeKind = Literal["primary", "secondary", "other", "unknown"]
CriterionKind = Literal["inclusion", "exclusion"]

AGE_UNIT_YEARS: dict[str, float] = {
    "years": 1.0,
    "months": 1 / 12,
    "weeks": 7 / 365.25,
    "days": 1 / 365.25,
    "hours": 1 / (365.25 * 24),
    "minutes": 1 / (365.25 * 24 * 60),
}



@dataclass(slots=True, frozen=True)
class SecondaryId:
    id: str
    type: str | None = None  # e.g. EUDRACT_NUMBER, REGISTRY, OTHER, NIH
    domain: str | None = None  # issuing body, e.g. "EU CT", "MSD"
    link: str | None = None  # the issuer's page for the id, when the record gives one


@dataclass(slots=True, frozen=True)
class Enrollment:
    count: int
    type: str | None = None  # ACTUAL / ESTIMATED


@dataclass(slots=True, frozen=True)
class Design:
    allocation: str | None = None  # RANDOMIZED / NON_RANDOMIZED / NA
    intervention_model: str | None = None  # PARALLEL / SINGLE_GROUP / CROSSOVER …
    primary_purpose: str | None = None  # TREATMENT / PREVENTION …
    masking: str | None = None  # NONE / SINGLE / DOUBLE / TRIPLE / QUADRUPLE
    observational_model: str | None = None
    time_perspective: str | None = None


@dataclass(slots=True, frozen=True)
class Arm:
    label: str
    type: str | None = None  # EXPERIMENTAL / ACTIVE_COMPARATOR / PLACEBO_COMPARATOR …
    description: str | None = None
    intervention_names: tuple[str, ...] = ()  # names of this study's interventions


@dataclass(slots=True, frozen=True)
class Intervention:
    name: str
    type: str | None = None  # DRUG / BIOLOGICAL / DEVICE / PROCEDURE …
    description: str | None = None
    other_names: tuple[str, ...] = ()
    arm_labels: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class Outcome:
    kind: OutcomeKind
    measure: str
    description: str | None = None
    time_frame: str | None = None


@dataclass(slots=True, frozen=True)
class Criterion:
    kind: CriterionKind
    text: str
    group: str | None = None  # the heading item a nested criterion sits under


@dataclass(slots=True, frozen=True)
class Age:
    value: float
    unit: str  # "years", "months", "weeks", "days", "hours", "minutes"


    def in_years(self) -> float:
        return self.value * AGE_UNIT_YEARS[self.unit]

    @classmethod
    def parse(cls, text: str) -> Age:
        """Read ``18 Years``, ``6 Months``, ``65 years old``; raise ``ValueError`` otherwise."""
        match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)", text)
        if not match:
            raise ValueError(f"not an age with a unit: {text!r}")
        unit = match.group(2).lower()
        if not unit.endswith("s"):
            unit += "s"
        if unit not in AGE_UNIT_YEARS:
            raise ValueError(f"unknown age unit {match.group(2)!r} in {text!r}")
        value = float(match.group(1))
        return cls(int(value) if value.is_integer() else value, unit)


@dataclass(slots=True, frozen=True)
class Eligibility:
    criteria_text: str | None = None
    criteria: tuple[Criterion, ...] = ()
    min_age: Age | None = None
    max_age: Age | None = None
    sex: str | None = None  # ALL / FEMALE / MALE
    healthy_volunteers: bool | None = None
    std_ages: tuple[str, ...] = ()  # CHILD / ADULT / OLDER_ADULT

    @property
    def inclusion(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == "inclusion")

    @property
    def exclusion(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == "exclusion")


@dataclass(slots=True, frozen=True)
class Organization:
    name: str
    class_: str | None = None  # INDUSTRY / NIH / FED / OTHER_GOV / NETWORK / INDIV / OTHER / UNKNOWN


@dataclass(slots=True, frozen=True)
class Contact:
    """A named person: personal data, mapped only when the user opts in."""

    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    organization: str | None = None


@dataclass(slots=True, frozen=True)
class Site:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None  # RECRUITING / NOT_YET_RECRUITING / …
    latitude: float | None = None
    longitude: float | None = None
    contacts: tuple[Contact, ...] = ()


@dataclass(slots=True, frozen=True)
class MeshTerm:
    id: str  # D000001 / C000000001
    term: str


@dataclass(slots=True, frozen=True)
class Note:
    """Text under a heading the parser does not know: kept, not dropped."""

    heading: str
    text: str


@dataclass(slots=True, frozen=True)
class Provenance:
    source_file: str
    format: str  # ctgov-json / ctgov-xml / ctgov-csv / registry-page / flat-record
    position: str  # where in the file: "1", "line 12", "studies[3]", "row 4", "member x.json"
    content_hash: str  # sha256 hex of the record's bytes as read


@dataclass(slots=True)
class Study:
    """One registry record, whatever format it came from."""

    provenance: Provenance
    registry_id: str | None = None  # NCT id
    org_study_id: str | None = None
    secondary_ids: list[SecondaryId] = field(default_factory=list)
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    overall_status: str | None = None
    why_stopped: str | None = None
    start_date: PartialDate | None = None
    primary_completion_date: PartialDate | None = None
    completion_date: PartialDate | None = None
    first_submitted_date: PartialDate | None = None
    first_posted_date: PartialDate | None = None
    last_update_posted_date: PartialDate | None = None
    study_type: str | None = None  # INTERVENTIONAL / OBSERVATIONAL / EXPANDED_ACCESS
    phases: list[str] = field(default_factory=list)  # EARLY_PHASE1 / PHASE1 … / NA
    enrollment: Enrollment | None = None
    design: Design | None = None
    conditions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    arms: list[Arm] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    eligibility: Eligibility | None = None
    lead_sponsor: Organization | None = None
    collaborators: list[Organization] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    central_contacts: list[Contact] = field(default_factory=list)
    condition_meshes: list[MeshTerm] = field(default_factory=list)
    intervention_meshes: list[MeshTerm] = field(default_factory=list)
    has_results: bool | None = None
    registrant: Organization | None = None  # the organisation that registered the study (its PRS account)
    results_contact: Contact | None = None  # personal data: mapped only on request
    results: Results | None = None  # the posted results, when the record carries them
    details: RecordDetails = field(default_factory=RecordDetails)  # every other module
    notes: list[Note] = field(default_factory=list)
    # Field-level problems met while parsing (value left out, study kept), one line each.
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str | None:
        return self.brief_title or self.official_title


@dataclass(slots=True, frozen=True)
class Reject:
    """An input record that could not become a Study, with where and why."""

    source_file: str
    position: str
    reason: str
    format: str | None = None
