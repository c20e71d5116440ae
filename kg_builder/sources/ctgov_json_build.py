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
    Contact,
    Design,
    Eligibility,
    Enrollment,
    Intervention,
    MeshTerm,
    Note,
    Organization,
    Outcome,
    OutcomeKind,
    PartialDate,
    Provenance,
    Reject,
    SecondaryId,
    Site,
    Study,
)
from kg_builder.sources.arm_refs import link_references
from kg_builder.sources.eligibility_text import split_criteria, unescape_commonmark

_NCT_RE = re.compile(r"^NCT\d{8}$")
_MISSING = object()
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
    reader = _Reader()
    protocol = obj.get("protocolSection")
    ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    if not isinstance(ident, dict):
        missing = "protocolSection"
        if isinstance(protocol, dict):
            missing += ".identificationModule"
        return _reject(provenance, f"no usable {missing} (missing or not an object)")
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
                SecondaryId(sid, reader.code(info, "type", q), reader.text(info, "domain", q))
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
    study.warnings = reader.warnings
    return study


def _status(reader: _Reader, study: Study, status: dict[str, Any] | None) -> None:
    p = "protocolSection.statusModule"
    study.overall_status = reader.code(status, "overallStatus", p)
    study.why_stopped = reader.text(status, "whyStopped", p)
    study.start_date = reader.date_struct(status, "startDateStruct", p)
    study.primary_completion_date = reader.date_struct(status, "primaryCompletionDateStruct", p)
    study.completion_date = reader.date_struct(status, "completionDateStruct", p)
    study.first_submitted_date = reader.date(status, "studyFirstSubmitDate", p, None)
    study.first_posted_date = reader.date_struct(status, "studyFirstPostDateStruct", p)
    study.last_update_posted_date = reader.date_struct(status, "lastUpdatePostDateStruct", p)


def _design(reader: _Reader, study: Study, design: dict[str, Any] | None) -> None:
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
    if (text := reader.text(bio, "description", f"{p}.bioSpec")) is not None:
        study.notes.append(Note("Biospecimen description", text))


def _arms_interventions(reader: _Reader, study: Study, module: dict[str, Any] | None) -> None:
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


def _eligibility(reader: _Reader, study: Study, protocol: dict[str, Any]) -> None:
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


def _parties(reader: _Reader, study: Study, protocol: dict[str, Any]) -> None:
    p = "protocolSection.sponsorCollaboratorsModule"
    module = reader.obj(protocol, "sponsorCollaboratorsModule", "protocolSection")
    study.lead_sponsor = reader.organization(reader.obj(module, "leadSponsor", p), f"{p}.leadSponsor")
    for i, item in reader.objs(module, "collaborators", p):
        if (org := reader.organization(item, f"{p}.collaborators[{i}]")) is not None:
            study.collaborators.append(org)
    p = "protocolSection.contactsLocationsModule"
    module = reader.obj(protocol, "contactsLocationsModule", "protocolSection")
    study.central_contacts = reader.contacts(module, "centralContacts", p)
    # Only "locations": AACT fixtures add a duplicate "locations_nested" list.
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


class _Reader:
    """Typed access to JSON fields; every mismatch becomes one warning line."""

    __slots__ = ("warnings",)

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warn(self, path: str, problem: str, value: Any) -> None:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        self.warnings.append(f"{path.strip('.')}: {problem}, got {shown}")

    def _get(self, parent: dict[str, Any] | None, key: str) -> Any:
        return _MISSING if parent is None else parent.get(key, _MISSING)

    def obj(self, parent: dict[str, Any] | None, key: str, path: str) -> dict[str, Any] | None:
        value = self._get(parent, key)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, dict):
            self.warn(f"{path}.{key}", "expected an object", value)
            return None
        return value

    def objs(self, parent: dict[str, Any] | None, key: str, path: str) -> list[tuple[int, dict[str, Any]]]:
        """(index, object) for each object in list ``key``; other entries are warned about."""
        out = []
        for i, value in enumerate(self._list(parent, key, path)):
            if isinstance(value, dict):
                out.append((i, value))
            else:
                self.warn(f"{path}.{key}[{i}]", "expected an object", value)
        return out

    def _list(self, parent: dict[str, Any] | None, key: str, path: str) -> list[Any]:
        value = self._get(parent, key)
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, list):
            self.warn(f"{path}.{key}", "expected a list", value)
            return []
        return value

    def text(self, parent: dict[str, Any] | None, key: str, path: str) -> str | None:
        """Free text: CommonMark escapes undone, outer whitespace stripped, empty → None."""
        value = self.code(parent, key, path)
        return None if value is None else unescape_commonmark(value) or None

    def code(self, parent: dict[str, Any] | None, key: str, path: str) -> str | None:
        value = self._get(parent, key)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, str):
            self.warn(f"{path}.{key}", "expected text", value)
            return None
        return value.strip() or None

    def texts(self, parent: dict[str, Any] | None, key: str, path: str) -> list[str]:
        return self._strings(parent, key, path, self.text)

    def codes(self, parent: dict[str, Any] | None, key: str, path: str) -> list[str]:
        return self._strings(parent, key, path, self.code)

    def _strings(self, parent: dict[str, Any] | None, key: str, path: str, read: Any) -> list[str]:
        values = self._list(parent, key, path)
        out = []
        for i, value in enumerate(values):
            if (item := read({"": value}, "", f"{path}.{key}[{i}]")) is not None:
                out.append(item)
        return out

    def count(self, parent: dict[str, Any] | None, key: str, path: str) -> int | None:
        value = self._get(parent, key)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.warn(f"{path}.{key}", "expected a non-negative integer", value)
            return None
        return value

    def number(self, parent: dict[str, Any] | None, key: str, path: str) -> float | None:
        value = self._get(parent, key)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.warn(f"{path}.{key}", "expected a number", value)
            return None
        return float(value)

    def boolean(self, parent: dict[str, Any] | None, key: str, path: str) -> bool | None:
        value = self._get(parent, key)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("yes", "true", "no", "false"):
            return value.strip().lower() in ("yes", "true")
        self.warn(f"{path}.{key}", "expected true or false", value)
        return None

    def date(
        self, parent: dict[str, Any] | None, key: str, path: str, kind: str | None
    ) -> PartialDate | None:
        raw = self.code(parent, key, path)
        if raw is None:
            return None
        try:
            return PartialDate.parse(raw, kind)
        except ValueError:
            self.warn(f"{path}.{key}", "not a YYYY, YYYY-MM or YYYY-MM-DD date", raw)
            return None

    def date_struct(self, parent: dict[str, Any] | None, key: str, path: str) -> PartialDate | None:
        struct = self.obj(parent, key, path)
        if struct is None:
            return None
        return self.date(struct, "date", f"{path}.{key}", self.code(struct, "type", f"{path}.{key}"))

    def organization(self, item: dict[str, Any] | None, path: str) -> Organization | None:
        name = self.text(item, "name", path)
        return None if name is None else Organization(name, self.code(item, "class", path))

    def contacts(self, parent: dict[str, Any] | None, key: str, path: str) -> list[Contact]:
        out = []
        for i, item in self.objs(parent, key, path):
            q = f"{path}.{key}[{i}]"
            name = self.text(item, "name", q)
            if name is None:  # a phone number without a person is no Contact
                continue
            phone = self.text(item, "phone", q)
            ext = self.text(item, "phoneExt", q)
            if phone and ext:  # registrants also put country codes here ("+33"), so only digits read "ext."
                phone = f"{phone} ext. {ext}" if ext.isdigit() else f"{phone} ({ext})"
            out.append(Contact(name, self.code(item, "role", q), phone, self.text(item, "email", q)))
        return out
