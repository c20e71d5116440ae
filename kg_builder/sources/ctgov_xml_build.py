"""Field-level reading of one classic ``<clinical_study>`` element into a Study.

Split from :mod:`kg_builder.sources.ctgov_xml` (streaming) and :mod:`~kg_builder.sources.textblock`
(text unwrapping) to keep each small. A value that cannot be read becomes one line in ``study.warnings``; the study is
kept. Conventions are described in :mod:`ctgov_xml`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kg_builder.model import (
    Age,
    Arm,
    Contact,
    Design,
    Eligibility,
    Enrollment,
    Intervention,
    Note,
    Organization,
    Outcome,
    OutcomeKind,
    Provenance,
    Reject,
    SecondaryId,
    Site,
    Study,
)
from kg_builder.sources.ctgov_xml_details import keep_unread, read_details
from kg_builder.sources.ctgov_xml_details import xml_date as _date
from kg_builder.sources.ctgov_xml_details import xml_text as _para
from kg_builder.sources.ctgov_xml_results import read_results
from kg_builder.sources.textblock import unwrap
from kg_builder.sources.values import criteria_from_text, phase_codes, to_code, whole_number, yes_no

_NCT = re.compile(r"^NCT\d{8}$")
_REDACTED = "[Redacted]"
# Location contact elements and the API v2 role code each stands for.
_SITE_PEOPLE = (("contact", "CONTACT"), ("contact_backup", "CONTACT"), ("investigator", None))
_OUTCOMES: tuple[tuple[str, OutcomeKind], ...] = (
    ("primary_outcome", "primary"),
    ("secondary_outcome", "secondary"),
    ("other_outcome", "other"),
)
_NOTES = (  # (path, note heading): free text with no Study field, headings as the JSON parser's
    ("study_design_info/intervention_model_description", "Intervention model description"),
    ("study_design_info/masking_description", "Masking description"),
    ("eligibility/study_pop/textblock", "Study population"),
    ("eligibility/gender_description", "Sex/gender description"),
)


def _text(elem: ET.Element | None, path: str | None = None) -> str | None:
    """Stripped text at ``path``; None when absent, empty, ``[Redacted]`` or N/A-free."""
    node = elem.find(path) if elem is not None and path else elem
    if node is None or node.text is None:
        return None
    value = " ".join(node.text.split())
    return None if not value or value == _REDACTED else value


def _block(elem: ET.Element, path: str, *, star_bullets: bool = False) -> str | None:
    node = elem.find(path)
    if node is None or node.text is None or node.text.strip() == _REDACTED:
        return None
    return unwrap(node.text, star_bullets=star_bullets)


def _age(study: Study, text: str | None) -> Age | None:
    if text is None or text.upper() in ("N/A", "NA"):
        return None
    try:
        return Age.parse(text)
    except ValueError:
        study.warnings.append(f"eligibility age: not an age with a unit, got {text!r}")
        return None


def _person(node: ET.Element, role: str | None) -> Contact | None:
    name = _text(node, "last_name")
    if name is None:
        first = " ".join(p for p in (_text(node, "first_name"), _text(node, "middle_name")) if p)
        name = first or None
    if name is None:
        return None
    phone, ext = _text(node, "phone"), _text(node, "phone_ext")
    if phone and ext:
        phone = f"{phone} ext. {ext}"
    return Contact(name, role or to_code(_text(node, "role")), phone, _text(node, "email"))


def _organization(node: ET.Element | None) -> Organization | None:
    name = _text(node, "agency")
    return Organization(name, to_code(_text(node, "agency_class"))) if name else None


def build_study(root: ET.Element, provenance: Provenance) -> Study | Reject:
    """The Study in ``root``, or a Reject when it has no usable NCT id."""
    nct = _text(root, "id_info/nct_id")
    if nct is None or not _NCT.match(nct):
        return Reject(
            provenance.source_file,
            provenance.position,
            f"no valid <id_info><nct_id> (NCT + 8 digits), got {nct!r}",
            provenance.format,
        )
    study = Study(provenance=provenance, registry_id=nct)
    study.org_study_id = _text(root, "id_info/org_study_id")
    study.secondary_ids = [SecondaryId(v) for n in root.findall("id_info/secondary_id") if (v := _text(n))]
    study.brief_title = _text(root, "brief_title")
    study.official_title = _text(root, "official_title")
    study.acronym = _text(root, "acronym")
    study.brief_summary = _block(root, "brief_summary/textblock")
    study.detailed_description = _block(root, "detailed_description/textblock")
    study.overall_status = to_code(_text(root, "overall_status"))
    study.why_stopped = _text(root, "why_stopped")
    study.start_date = _date(study, root, "start_date")
    study.primary_completion_date = _date(study, root, "primary_completion_date")
    study.completion_date = _date(study, root, "completion_date")
    first_submitted = (
        "study_first_submitted" if root.find("study_first_submitted") is not None else "firstreceived_date"
    )
    study.first_submitted_date = _date(study, root, first_submitted)
    study.first_posted_date = _date(study, root, "study_first_posted")
    study.last_update_posted_date = _date(study, root, "last_update_posted")
    study_type = _text(root, "study_type")
    study.study_type = None if study_type in (None, "N/A") else to_code(study_type)
    study.phases = phase_codes(_text(root, "phase"))
    _enrollment(study, root)
    _design(study, root)
    study.conditions = [v for n in root.findall("condition") if (v := _text(n))]
    study.keywords = [v for n in root.findall("keyword") if (v := _text(n))]
    _arms_interventions(study, root)
    for tag, kind in _OUTCOMES:
        for node in root.findall(tag):
            if measure := _text(node, "measure"):
                study.outcomes.append(
                    Outcome(kind, measure, _para(node, "description"), _text(node, "time_frame"))
                )
    _eligibility(study, root)
    study.lead_sponsor = _organization(root.find("sponsors/lead_sponsor"))
    study.collaborators = [o for n in root.findall("sponsors/collaborator") if (o := _organization(n))]
    study.sites = [_site(node) for node in root.findall("location")]
    study.central_contacts = [
        c
        for tag in ("overall_contact", "overall_contact_backup")
        for n in root.findall(tag)
        if (c := _person(n, "CONTACT"))
    ]
    for path, heading in (
        ("condition_browse/mesh_term", "Condition MeSH terms"),
        ("intervention_browse/mesh_term", "Intervention MeSH terms"),
    ):
        if terms := [v for n in root.findall(path) if (v := _text(n))]:
            study.notes.append(Note(heading, "\n".join(terms)))
    for path, heading in _NOTES:
        if text := _block(root, path):
            study.notes.append(Note(heading, text))
    study.has_results = root.find("clinical_results") is not None
    read_results(study, root)
    read_details(study, root)
    keep_unread(study, root)
    return study


def _enrollment(study: Study, root: ET.Element) -> None:
    node = root.find("enrollment")
    if node is None or not (node.text or "").strip():
        return
    text = node.text.strip()
    if (count := whole_number(text)) is not None:
        study.enrollment = Enrollment(count, to_code(node.get("type")))
    else:
        study.warnings.append(f"enrollment: expected a whole number, got {text!r}")


def _design(study: Study, root: ET.Element) -> None:
    info = root.find("study_design_info")
    if info is None:
        return
    study.design = Design(
        allocation=to_code(_text(info, "allocation")),
        intervention_model=to_code(_text(info, "intervention_model")),
        primary_purpose=to_code(_text(info, "primary_purpose")),
        masking=to_code(_text(info, "masking")),
        observational_model=to_code(_text(info, "observational_model")),
        time_perspective=to_code(_text(info, "time_perspective")),
    )


def _arms_interventions(study: Study, root: ET.Element) -> None:
    arm_links: dict[str, list[str]] = {}
    for node in root.findall("intervention"):
        name = _text(node, "intervention_name")
        if name is None:
            study.warnings.append("intervention without a name, left out")
            continue
        labels = tuple(v for n in node.findall("arm_group_label") if (v := _text(n)))
        study.interventions.append(
            Intervention(
                name=name,
                type=to_code(_text(node, "intervention_type")),
                description=_para(node, "description"),
                other_names=tuple(v for n in node.findall("other_name") if (v := _text(n))),
                arm_labels=labels,
            )
        )
        for label in labels:
            links = arm_links.setdefault(label, [])
            if name not in links:
                links.append(name)
    for node in root.findall("arm_group"):
        label = _text(node, "arm_group_label")
        if label is None:
            study.warnings.append("arm_group without a label, left out")
            continue
        study.arms.append(
            Arm(
                label,
                to_code(_text(node, "arm_group_type")),
                _para(node, "description"),
                tuple(arm_links.get(label, ())),
            )
        )


def _eligibility(study: Study, root: ET.Element) -> None:
    node = root.find("eligibility")
    if node is None:
        return
    text = _block(node, "criteria/textblock", star_bullets=True)
    study.eligibility = Eligibility(
        criteria_text=text,
        criteria=criteria_from_text(text),
        min_age=_age(study, _text(node, "minimum_age")),
        max_age=_age(study, _text(node, "maximum_age")),
        sex=to_code(_text(node, "gender")),
        healthy_volunteers=yes_no(_text(node, "healthy_volunteers")),
    )


def _site(node: ET.Element) -> Site:
    facility = node.find("facility")
    address = facility.find("address") if facility is not None else None
    people: list[Contact] = []
    for tag, role in _SITE_PEOPLE:
        people.extend(c for n in node.findall(tag) if (c := _person(n, role)))
    return Site(
        facility=_text(facility, "name"),
        city=_text(address, "city"),
        state=_text(address, "state"),
        zip=_text(address, "zip"),
        country=_text(address, "country"),
        status=to_code(_text(node, "status")),
        contacts=tuple(people),
    )
