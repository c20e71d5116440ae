"""Field-level reading of one ClinicalTrials.gov API v2 study object into a Study.

Split from :mod:`kg_builder.sources.ctgov_json` (which handles layouts and
streaming) to keep both modules small. Every accessor checks the JSON type and,
on a mismatch, records a one-line warning naming the field path and value and
leaves the field out, so one bad field never costs the whole study.
"""

from __future__ import annotations

import re
from typing import Any

from kg_builder.model import (
    Age,
    Arm,
    Design,
    Eligibility,
    Enrollment,
    Intervention,
    MeshTerm,
    Note,
    Outcome,
    OutcomeKind,
    Provenance,
    Reject,
    SecondaryId,
    Site,
    Study,
)
from kg_builder.sources.arm_refs import link_references
from kg_builder.sources.ctgov_json_details import keep_unread, read_details
from kg_builder.sources.ctgov_json_results import read_results
from kg_builder.sources.eligibility_text import split_criteria
from kg_builder.sources.json_reader import JsonReader

_NCT_RE = re.compile(r"^NCT\d{8}$")
# Free text without a Study field of its own, kept as notes: (key, note heading).
_ELIGIBILITY_NOTES = (
    ("studyPopulation", "Study population"),
    ("genderDescription", "Sex/gender description"),
)
_DESIGN_NOTES = (
    ("interventionModelDescription", "Intervention model description"),
    ("maskingDescription", "Masking description"),
)


def build_study(obj: dict[str, Any], provenance: Provenance) -> Study | Reject:
    """The Study in API v2 object ``obj``, or a Reject when it cannot be identified."""
    reader = JsonReader()
    protocol = obj.get("protocolSection")
    ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    if not isinstance(ident, dict):
        missing = "protocolSection"
        if isinstance(protocol, dict):
            missing += ".identificationModule"
        return _reject(provenance, f"no usable {missing} (missing or not an object)")
    reader.obj(obj, "protocolSection", "")
    reader.obj(protocol, "identificationModule", "protocolSection")
    p = "protocolSection.identificationModule"
    nct = reader.code(ident, "nctId", p)
    if nct is not None and not _NCT_RE.match(nct):
        reader.warn(f"{p}.nctId", "not an NCT id (NCT + 8 digits)", nct)
        nct = None
    study = Study(provenance=provenance, registry_id=nct)
    study.brief_title = reader.text(ident, "briefTitle", p)
    study.official_title = reader.text(ident, "officialTitle", p)
    if study.registry_id is None and study.title is None:
        return _reject(provenance, "identification has neither a valid nctId nor a title")
    study.acronym = reader.text(ident, "acronym", p)
    org_id = reader.obj(ident, "orgStudyIdInfo", p)
    study.org_study_id = reader.text(org_id, "id", f"{p}.orgStudyIdInfo")
    for i, info in reader.objs(ident, "secondaryIdInfos", p):
        q = f"{p}.secondaryIdInfos[{i}]"
        if (sid := reader.text(info, "id", q)) is not None:
            study.secondary_ids.append(
                SecondaryId(sid, reader.code(info, "type", q), reader.text(info, "domain", q),
                            reader.code(info, "link", q))
            )

    _status(reader, study, reader.obj(protocol, "statusModule", "protocolSection"))
    _design(reader, study, reader.obj(protocol, "designModule", "protocolSection"))
    _arms_interventions(reader, study, reader.obj(protocol, "armsInterventionsModule", "protocolSection"))
    _eligibility(reader, study, protocol)
    _parties(reader, study, protocol)

    p = "protocolSection.descriptionModule"
    desc = reader.obj(protocol, "descriptionModule", "protocolSection")
    study.brief_summary = reader.text(desc, "briefSummary", p)
    study.detailed_description = reader.text(desc, "detailedDescription", p)
    p = "protocolSection.conditionsModule"
    cond = reader.obj(protocol, "conditionsModule", "protocolSection")
    study.conditions = reader.texts(cond, "conditions", p)
    study.keywords = reader.texts(cond, "keywords", p)
    p = "protocolSection.outcomesModule"
    outcomes = reader.obj(protocol, "outcomesModule", "protocolSection")
    kinds: tuple[tuple[str, OutcomeKind], ...] = (
        ("primaryOutcomes", "primary"), ("secondaryOutcomes", "secondary"), ("otherOutcomes", "other"),
    )
    for key, kind in kinds:
        for i, out in reader.objs(outcomes, key, p):
            q = f"{p}.{key}[{i}]"
            if (measure := reader.text(out, "measure", q)) is not None:
                description, frame = reader.text(out, "description", q), reader.text(out, "timeFrame", q)
                study.outcomes.append(Outcome(kind, measure, description, frame))

    derived = reader.obj(obj, "derivedSection", "")
    for key, target in (("conditionBrowseModule", study.condition_meshes),
                        ("interventionBrowseModule", study.intervention_meshes)):
        q = f"derivedSection.{key}"
        for i, mesh in reader.objs(reader.obj(derived, key, "derivedSection"), "meshes", q):
            mesh_id = reader.code(mesh, "id", f"{q}.meshes[{i}]")
            term = reader.text(mesh, "term", f"{q}.meshes[{i}]")
            if mesh_id and term:
                target.append(MeshTerm(mesh_id, term))
    study.has_results = reader.boolean(obj, "hasResults", "")
    read_results(reader, study, reader.obj(obj, "resultsSection", ""))
    read_details(reader, study, obj)
    keep_unread(reader, study)
    study.warnings = reader.warnings
    return study


def _status(reader: JsonReader, study: Study, status: dict[str, Any] | None) -> None:
    p = "protocolSection.statusModule"
    study.overall_status = reader.code(status, "overallStatus", p)
    study.why_stopped = reader.text(status, "whyStopped", p)
    study.start_date = reader.date_struct(status, "startDateStruct", p)
    study.primary_completion_date = reader.date_struct(status, "primaryCompletionDateStruct", p)
    study.completion_date = reader.date_struct(status, "completionDateStruct", p)
    study.first_submitted_date = reader.date(status, "studyFirstSubmitDate", p, None)
    study.first_posted_date = reader.date_struct(status, "studyFirstPostDateStruct", p)
    study.last_update_posted_date = reader.date_struct(status, "lastUpdatePostDateStruct", p)


def _design(reader: JsonReader, study: Study, design: dict[str, Any] | None) -> None:
    p = "protocolSection.designModule"
    study.study_type = reader.code(design, "studyType", p)
    study.phases = reader.codes(design, "phases", p)
    enrollment = reader.obj(design, "enrollmentInfo", p)
    count = reader.count(enrollment, "count", f"{p}.enrollmentInfo")
    if count is not None:
        study.enrollment = Enrollment(count, reader.code(enrollment, "type", f"{p}.enrollmentInfo"))
    info = reader.obj(design, "designInfo", p)
    if info is not None:
        q = f"{p}.designInfo"
        masking = reader.obj(info, "maskingInfo", q)
        study.design = Design(
            allocation=reader.code(info, "allocation", q),
            intervention_model=reader.code(info, "interventionModel", q),
            primary_purpose=reader.code(info, "primaryPurpose", q),
            masking=reader.code(masking, "masking", f"{q}.maskingInfo"),
            observational_model=reader.code(info, "observationalModel", q),
            time_perspective=reader.code(info, "timePerspective", q),
        )
        for key, heading in _DESIGN_NOTES:
            holder = masking if key == "maskingDescription" else info
            if (text := reader.text(holder, key, q)) is not None:
                study.notes.append(Note(heading, text))
    bio = reader.obj(design, "bioSpec", p)
    study.details.biospec_description = reader.text(bio, "description", f"{p}.bioSpec")


def _arms_interventions(reader: JsonReader, study: Study, module: dict[str, Any] | None) -> None:
    p = "protocolSection.armsInterventionsModule"
    for i, item in reader.objs(module, "interventions", p):
        q = f"{p}.interventions[{i}]"
        if (name := reader.text(item, "name", q)) is None:
            reader.warn(f"{q}.name", "intervention without a name, left out", item.get("name"))
            continue
        study.interventions.append(Intervention(
            name=name, type=reader.code(item, "type", q), description=reader.text(item, "description", q),
            other_names=tuple(reader.texts(item, "otherNames", q)),
            arm_labels=tuple(reader.texts(item, "armGroupLabels", q)),
        ))
    arms: list[tuple[str, str | None, str | None]] = []
    refs: list[tuple[str, list[str]]] = []
    paths: list[str] = []
    for i, item in reader.objs(module, "armGroups", p):
        q = f"{p}.armGroups[{i}]"
        if (label := reader.text(item, "label", q)) is None:
            reader.warn(f"{q}.label", "arm without a label, left out", item.get("label"))
            continue
        arms.append((label, reader.code(item, "type", q), reader.text(item, "description", q)))
        refs.append((label, reader.texts(item, "interventionNames", q)))
        paths.append(f"{q}.interventionNames")
    # "Type: name" and the interventions' own armGroupLabels decide which intervention is meant.
    names = link_references(refs, study.interventions, lambda at, ref, problem: reader.warn(
        paths[at], f"{problem}, link left out", ref))
    study.arms.extend(Arm(label, type_, description, linked)
                      for (label, type_, description), linked in zip(arms, names, strict=True))


def _eligibility(reader: JsonReader, study: Study, protocol: dict[str, Any]) -> None:
    p = "protocolSection.eligibilityModule"
    module = reader.obj(protocol, "eligibilityModule", "protocolSection")
    if module is None:
        return
    text = reader.text(module, "eligibilityCriteria", p)
    ages = []
    for key in ("minimumAge", "maximumAge"):
        raw = reader.code(module, key, p)
        age = None
        if raw is not None:
            try:
                age = Age.parse(raw)
            except ValueError:
                reader.warn(f"{p}.{key}", "not an age with a unit", raw)
        ages.append(age)
    study.eligibility = Eligibility(
        criteria_text=text, criteria=split_criteria(text) if text else (),
        min_age=ages[0], max_age=ages[1], sex=reader.code(module, "sex", p),
        healthy_volunteers=reader.boolean(module, "healthyVolunteers", p),
        std_ages=tuple(reader.codes(module, "stdAges", p)),
    )
    for key, heading in _ELIGIBILITY_NOTES:
        if (note := reader.text(module, key, p)) is not None:
            study.notes.append(Note(heading, note))


def _parties(reader: JsonReader, study: Study, protocol: dict[str, Any]) -> None:
    p = "protocolSection.sponsorCollaboratorsModule"
    module = reader.obj(protocol, "sponsorCollaboratorsModule", "protocolSection")
    study.lead_sponsor = reader.organization(reader.obj(module, "leadSponsor", p), f"{p}.leadSponsor")
    for i, item in reader.objs(module, "collaborators", p):
        if (org := reader.organization(item, f"{p}.collaborators[{i}]")) is not None:
            study.collaborators.append(org)
    p = "protocolSection.contactsLocationsModule"
    module = reader.obj(protocol, "contactsLocationsModule", "protocolSection")
    study.central_contacts = reader.contacts(module, "centralContacts", p)
    # Only "locations": AACT fixtures add a duplicate "locations_nested" list (skipped in ctgov_json_details).
    for i, loc in reader.objs(module, "locations", p):
        q = f"{p}.locations[{i}]"
        lat = lon = None
        geo = reader.obj(loc, "geoPoint", q)
        if geo is not None:
            lat, lon = reader.number(geo, "lat", f"{q}.geoPoint"), reader.number(geo, "lon", f"{q}.geoPoint")
            if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                if lat is not None or lon is not None:
                    reader.warn(f"{q}.geoPoint", "incomplete or out-of-range coordinates", geo)
                lat = lon = None
        study.sites.append(Site(
            facility=reader.text(loc, "facility", q), city=reader.text(loc, "city", q),
            state=reader.text(loc, "state", q), zip=reader.text(loc, "zip", q),
            country=reader.text(loc, "country", q), status=reader.code(loc, "status", q),
            latitude=lat, longitude=lon, contacts=tuple(reader.contacts(loc, "contacts", q)),
        ))


def _reject(provenance: Provenance, reason: str) -> Reject:
    return Reject(provenance.source_file, provenance.position, reason, provenance.format)
