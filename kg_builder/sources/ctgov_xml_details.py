"""Classic XML fields beyond the protocol core → :class:`~kg_builder.model_record.RecordDetails`.

The XML counterparts of :mod:`ctgov_json_details`, with the same codes: references
(``reference`` = BACKGROUND, ``results_reference`` = RESULT), links, study documents,
officials, responsible party, IPD sharing (``patient_data``), oversight, status, design
and eligibility extras, provided documents, aliases, removed countries and pending results
(the XML's unposted events: submitted = RELEASE, returned = RESET, submission canceled =
UNRELEASE, as API v2 names them). :func:`keep_unread` keeps every other top-level element
as a note under its tag, so nothing the record states is dropped silently.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kg_builder.model import Note, Organization, PartialDate, Study
from kg_builder.model_record import (
    AvailableIpd,
    DatedEvent,
    Document,
    IpdSharing,
    Official,
    Oversight,
    Reference,
    ResponsibleParty,
    WebLink,
)
from kg_builder.sources.textblock import paragraphs
from kg_builder.sources.values import canonical_url, parse_date, to_code, yes_no

_REDACTED = "[Redacted]"
_PMID = re.compile(r"^\d{1,9}$")
_IPD_INFO = {"STATISTICAL_ANALYSIS_PLAN": "SAP", "INFORMED_CONSENT_FORM": "ICF", "CLINICAL_STUDY_REPORT": "CSR"}
_WHO_MASKED = frozenset({"PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"})
_PENDING = {"submitted": "RELEASE", "returned": "RESET", "submission_canceled": "UNRELEASE"}
_OVERSIGHT = (("has_dmc", "has_dmc"), ("is_fda_regulated_drug", "fda_regulated_drug"),
              ("is_fda_regulated_device", "fda_regulated_device"), ("is_unapproved_device", "unapproved_device"),
              ("is_us_export", "us_export"), ("is_ppsd", "pediatric_postmarket_surveillance"))
# Top-level elements some reader maps (here, in ctgov_xml_build or in ctgov_xml_results).
MAPPED = frozenset({
    "id_info", "brief_title", "official_title", "acronym", "brief_summary", "detailed_description", "overall_status",
    "why_stopped", "start_date", "primary_completion_date", "completion_date", "study_first_submitted",
    "firstreceived_date", "study_first_posted", "last_update_posted", "study_type", "phase", "enrollment",
    "study_design_info", "condition", "keyword", "intervention", "arm_group", "primary_outcome", "secondary_outcome",
    "other_outcome", "eligibility", "sponsors", "location", "overall_contact", "overall_contact_backup",
    "condition_browse", "intervention_browse", "biospec_descr", "clinical_results",
    "reference", "results_reference", "link", "study_docs", "overall_official", "responsible_party", "patient_data",
    "oversight_info", "last_known_status", "verification_date", "study_first_submitted_qc", "last_update_submitted",
    "results_first_submitted", "results_first_submitted_qc", "results_first_posted", "has_expanded_access",
    "expanded_access_info", "biospec_retention", "target_duration", "provided_document_section",
    "removed_countries", "pending_results", "source",
})
_RESULTS_PARTS = frozenset({"participant_flow", "baseline", "outcome_list", "reported_events", "certain_agreements",
                            "limitations_and_caveats", "point_of_contact"})


def xml_text(elem: ET.Element | None, path: str) -> str | None:
    """The text at ``path``, its line breaks read as paragraph breaks; None when absent or ``[Redacted]``."""
    node = elem.find(path) if elem is not None else None
    if node is None or node.text is None or node.text.strip() == _REDACTED:
        return None
    return paragraphs(node.text)


def xml_date(study: Study, root: ET.Element, path: str) -> PartialDate | None:
    """The date at ``path`` at its written precision (type from its ``type`` attribute); unreadable → a warning."""
    node = root.find(path)
    if node is None or not (node.text or "").strip():
        return None
    value = parse_date(node.text, to_code(node.get("type")))
    if value is None:
        study.warnings.append(f"{path}: not a date, got {node.text.strip()!r}")
    return value


def _pmid(study: Study, raw: str | None, where: str) -> str | None:
    if raw is None:
        return None
    if _PMID.match(raw.strip()):
        return str(int(raw.strip()))
    study.warnings.append(f"{where}: not a PubMed id, left out, got {raw!r}")
    return None


def read_details(study: Study, root: ET.Element) -> None:
    """Fill ``study.details`` from the classic XML ``root``."""
    d = study.details
    d.nct_aliases = [v for n in root.findall("id_info/nct_alias") if (v := xml_text(n, "."))]
    if (source := xml_text(root, "source")) is not None:
        study.registrant = Organization(source)
    for tag, kind in (("reference", "BACKGROUND"), ("results_reference", "RESULT")):
        for node in root.findall(tag):
            reference = Reference(kind, _pmid(study, xml_text(node, "PMID"), f"{tag}/PMID"), xml_text(node, "citation"))
            if reference.pmid or reference.citation:
                d.references.append(reference)
            else:
                study.warnings.append(f"{tag}: reference without a PubMed id or a citation, left out")
    d.see_also = [WebLink(url, xml_text(n, "description")) for n in root.findall("link") if (url := xml_text(n, "url"))]
    d.available_ipds = [AvailableIpd(xml_text(n, "doc_type"), xml_text(n, "doc_id"), xml_text(n, "doc_url"),
                                     xml_text(n, "doc_comment")) for n in root.findall("study_docs/study_doc")]
    for node in root.findall("overall_official"):
        name = xml_text(node, "last_name") or " ".join(
            p for p in (xml_text(node, "first_name"), xml_text(node, "middle_name")) if p) or None
        official = Official(name, to_code(xml_text(node, "role")), xml_text(node, "affiliation"))
        if official.name or official.role or official.affiliation:
            d.officials.append(official)
    party = root.find("responsible_party")
    if party is not None:
        d.responsible_party = ResponsibleParty(
            type=to_code(xml_text(party, "responsible_party_type")),
            investigator_name=xml_text(party, "investigator_full_name"),
            investigator_title=xml_text(party, "investigator_title"),
            investigator_affiliation=xml_text(party, "investigator_affiliation"),
            old_name_title=xml_text(party, "name_title"), old_organization=xml_text(party, "organization"),
        )
    _ipd_oversight(study, root)
    _status_design(study, root)
    _documents(study, root)
    d.removed_countries = [v for n in root.findall("removed_countries/country") if (v := xml_text(n, "."))]
    pending = root.find("pending_results")
    for node in pending if pending is not None else ():
        if node.tag in _PENDING:
            date = parse_date((node.text or "").strip())  # "Unknown": the event without a date
            d.unposted_events.append(DatedEvent(_PENDING[node.tag], date))


def _ipd_oversight(study: Study, root: ET.Element) -> None:
    data = root.find("patient_data")
    if data is not None:
        info = tuple(_IPD_INFO.get(code, code) for n in data.findall("ipd_info_type")
                     if (code := to_code(xml_text(n, "."))))
        study.details.ipd_sharing = IpdSharing(
            answer=to_code(xml_text(data, "sharing_ipd")), description=xml_text(data, "ipd_description"),
            info_types=info, time_frame=xml_text(data, "ipd_time_frame"),
            access_criteria=xml_text(data, "ipd_access_criteria"), url=xml_text(data, "ipd_url"),
        )
    oversight = root.find("oversight_info")
    if oversight is not None:
        study.details.oversight = Oversight(**{f: yes_no(xml_text(oversight, t)) for t, f in _OVERSIGHT})
        if (authority := xml_text(oversight, "authority")) is not None:
            study.notes.append(Note("oversight_info/authority", authority))


def _status_design(study: Study, root: ET.Element) -> None:
    d = study.details
    d.last_known_status = to_code(xml_text(root, "last_known_status"))
    d.status_verified_date = xml_date(study, root, "verification_date")
    d.first_submitted_qc_date = xml_date(study, root, "study_first_submitted_qc")
    d.last_update_submitted_date = xml_date(study, root, "last_update_submitted")
    d.results_first_submitted_date = xml_date(study, root, "results_first_submitted")
    d.results_first_submitted_qc_date = xml_date(study, root, "results_first_submitted_qc")
    d.results_first_posted_date = xml_date(study, root, "results_first_posted")
    d.has_expanded_access = yes_no(xml_text(root, "has_expanded_access"))
    access = root.find("expanded_access_info")
    for kind in ("individual", "intermediate", "treatment"):
        if yes_no(xml_text(access, f"expanded_access_type_{kind}")):
            d.expanded_access_types.append(kind.upper())
    masking = xml_text(root, "study_design_info/masking") or ""
    if "(" in masking:
        who = masking.split("(", 1)[1].rstrip(")")
        d.who_masked = [code for part in who.split(",") if (code := to_code(part)) in _WHO_MASKED]
    d.biospec_retention = to_code(xml_text(root, "biospec_retention"))
    d.biospec_description = _block_text(root, "biospec_descr/textblock")
    study_type = xml_text(root, "study_type") or ""
    if study_type.upper().startswith("OBSERVATIONAL"):
        d.patient_registry = "patient registry" in study_type.casefold()
    d.target_duration = xml_text(root, "target_duration")
    d.sampling_method = to_code(xml_text(root, "eligibility/sampling_method"))
    d.gender_based = yes_no(xml_text(root, "eligibility/gender_based"))


def _block_text(root: ET.Element, path: str) -> str | None:
    from kg_builder.sources.textblock import unwrap

    node = root.find(path)
    if node is None or node.text is None or node.text.strip() == _REDACTED:
        return None
    return unwrap(node.text)


def _documents(study: Study, root: ET.Element) -> None:
    for node in root.findall("provided_document_section/provided_document"):
        flags = {key: yes_no(xml_text(node, f"document_has_{key}")) for key in ("protocol", "sap", "icf")}
        abbrev = "_".join(name for key, name in (("protocol", "Prot"), ("sap", "SAP"), ("icf", "ICF")) if flags[key])
        url = canonical_url(xml_text(node, "document_url"))
        raw_date = xml_text(node, "document_date")
        study.details.documents.append(Document(
            label=xml_text(node, "document_type"), type_abbrev=abbrev or None, has_protocol=flags["protocol"],
            has_sap=flags["sap"], has_icf=flags["icf"], date=parse_date(raw_date) if raw_date else None,
            filename=url.rsplit("/", 1)[-1] if url else None, url=url,
        ))


def keep_unread(study: Study, root: ET.Element) -> None:
    """Every top-level element (and part of ``clinical_results``) no reader maps, kept as a note."""
    arms = len(root.findall("arm_group"))
    for child in root:
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag or tag in MAPPED or tag == "required_header":  # the download's boilerplate, not the record
            continue
        if tag in ("number_of_arms", "number_of_groups") and (child.text or "").strip() == str(arms):
            continue  # the count of the arm groups mapped above
        if tag == "location_countries":
            sites = {s.country for s in study.sites}
            extra = [v for n in child.findall("country") if (v := xml_text(n, ".")) and v not in sites]
            if extra:
                study.notes.append(Note("location_countries", "\n".join(extra)))
            continue
        study.notes.append(Note(tag, _flatten(child)))
    results = root.find("clinical_results")
    for child in results if results is not None else ():
        if isinstance(child.tag, str) and child.tag not in _RESULTS_PARTS:
            study.notes.append(Note(f"clinical_results/{child.tag}", _flatten(child)))


def _flatten(elem: ET.Element) -> str:
    lines = []
    for node in elem.iter():
        text = " ".join((node.text or "").split())
        attributes = " ".join(f"{k}={v}" for k, v in node.attrib.items())
        if text or attributes:
            where = node.tag if node is not elem else ""
            lines.append(": ".join(p for p in (where, " ".join(p for p in (attributes, text) if p)) if p))
    return "\n".join(lines) or elem.tag
