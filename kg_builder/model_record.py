"""The rest of a registry record beyond protocol and results: references, the MeSH tree, officials,
IPD sharing, oversight, documents, annotations.

Part of the canonical model (:mod:`kg_builder.model` holds the :class:`~kg_builder.model.Study`
that carries these). Codes are API v2 enumeration codes whatever the input format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg_builder.partial_date import PartialDate


@dataclass(slots=True, frozen=True)
class Reference:
    """A publication the record cites: its PMID when given, and the citation as written."""

    type: str | None = None  # BACKGROUND / RESULT / DERIVED
    pmid: str | None = None  # digits only
    citation: str | None = None
    retraction_pmids: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class WebLink:
    url: str
    label: str | None = None


@dataclass(slots=True, frozen=True)
class AvailableIpd:
    """A data set or document the record says is available (protocol, IPD, CSR …)."""

    type: str | None = None  # as written: "Study Protocol", "Individual Participant Data Set"
    id: str | None = None
    url: str | None = None
    comment: str | None = None


@dataclass(slots=True, frozen=True)
class BrowseLeaf:
    """A MeSH term the registry's browse index attached to the study, with how relevant it found it."""

    id: str  # the registry's M-code (M4910)
    name: str
    as_found: str | None = None  # the record's own words it was found from
    relevance: str | None = None  # HIGH / LOW


@dataclass(slots=True, frozen=True)
class BrowseBranch:
    abbrev: str  # BC04, ANeo …
    name: str


@dataclass(slots=True, frozen=True)
class MeshTree:
    """The registry's MeSH index of the study's conditions (or interventions) beyond the terms themselves."""

    ancestors: tuple[tuple[str, str], ...] = ()  # (descriptor id, term)
    leaves: tuple[BrowseLeaf, ...] = ()
    branches: tuple[BrowseBranch, ...] = ()


@dataclass(slots=True, frozen=True)
class Official:
    """An overall official: the name is personal data, mapped only on request; role and affiliation are not."""

    name: str | None = None
    role: str | None = None  # PRINCIPAL_INVESTIGATOR / STUDY_CHAIR / STUDY_DIRECTOR
    affiliation: str | None = None


@dataclass(slots=True, frozen=True)
class ResponsibleParty:
    type: str | None = None  # SPONSOR / PRINCIPAL_INVESTIGATOR / SPONSOR_INVESTIGATOR
    investigator_name: str | None = None  # personal data
    investigator_title: str | None = None
    investigator_affiliation: str | None = None
    old_name_title: str | None = None  # personal data (older records)
    old_organization: str | None = None


@dataclass(slots=True, frozen=True)
class IpdSharing:
    answer: str | None = None  # YES / NO / UNDECIDED
    description: str | None = None
    info_types: tuple[str, ...] = ()  # STUDY_PROTOCOL / SAP / ICF / CSR / ANALYTIC_CODE
    time_frame: str | None = None
    access_criteria: str | None = None
    url: str | None = None


@dataclass(slots=True, frozen=True)
class Oversight:
    has_dmc: bool | None = None
    fda_regulated_drug: bool | None = None
    fda_regulated_device: bool | None = None
    unapproved_device: bool | None = None
    us_export: bool | None = None
    pediatric_postmarket_surveillance: bool | None = None
    fdaaa801_violation: bool | None = None


@dataclass(slots=True, frozen=True)
class Document:
    """A large document posted with the record (protocol, SAP, informed consent form)."""

    label: str | None = None  # "Study Protocol: Amendment 1"
    type_abbrev: str | None = None  # Prot / SAP / ICF / Prot_SAP / Prot_ICF / Prot_SAP_ICF
    has_protocol: bool | None = None
    has_sap: bool | None = None
    has_icf: bool | None = None
    date: PartialDate | None = None
    upload_date: str | None = None  # YYYY-MM-DDThh:mm as the registry writes it
    filename: str | None = None
    size: int | None = None
    url: str | None = None  # the file's address when the record gives it (classic XML)


@dataclass(slots=True, frozen=True)
class DatedEvent:
    """An event the registry logged about the record (unposted results, a violation …)."""

    type: str | None
    date: PartialDate | None = None  # when it happened (unposted events) or was posted (violations)
    description: str | None = None
    issued: PartialDate | None = None
    released: PartialDate | None = None
    created: PartialDate | None = None


@dataclass(slots=True, frozen=True)
class CertainAgreement:
    """Whether the investigators may publish results without the sponsor's say."""

    pi_sponsor_employee: bool | None = None
    restrictive: bool | None = None
    restriction_type: str | None = None  # LTE60 / GT60 / OTHER
    details: str | None = None


@dataclass(slots=True)
class RecordDetails:
    """Everything a record states outside the protocol fields of :class:`~kg_builder.model.Study`."""

    references: list[Reference] = field(default_factory=list)
    see_also: list[WebLink] = field(default_factory=list)
    available_ipds: list[AvailableIpd] = field(default_factory=list)
    condition_tree: MeshTree | None = None
    intervention_tree: MeshTree | None = None
    officials: list[Official] = field(default_factory=list)
    responsible_party: ResponsibleParty | None = None
    ipd_sharing: IpdSharing | None = None
    oversight: Oversight | None = None
    documents: list[Document] = field(default_factory=list)
    nct_aliases: list[str] = field(default_factory=list)
    agreement: CertainAgreement | None = None
    # status
    last_known_status: str | None = None
    status_verified_date: PartialDate | None = None
    first_submitted_qc_date: PartialDate | None = None
    last_update_submitted_date: PartialDate | None = None
    results_first_submitted_date: PartialDate | None = None
    results_first_submitted_qc_date: PartialDate | None = None
    results_first_posted_date: PartialDate | None = None
    has_expanded_access: bool | None = None
    expanded_access_nct: str | None = None
    expanded_access_status: str | None = None
    # design
    who_masked: list[str] = field(default_factory=list)
    biospec_retention: str | None = None
    biospec_description: str | None = None
    patient_registry: bool | None = None
    target_duration: str | None = None
    expanded_access_types: list[str] = field(default_factory=list)  # INDIVIDUAL / INTERMEDIATE / TREATMENT
    # eligibility
    sampling_method: str | None = None
    gender_based: bool | None = None
    # annotations and misc
    removed_countries: list[str] = field(default_factory=list)
    unposted_events: list[DatedEvent] = field(default_factory=list)
    violation_events: list[DatedEvent] = field(default_factory=list)
    version_holder: PartialDate | None = None
