"""API v2 modules beyond the protocol core → :class:`~kg_builder.model_record.RecordDetails`.

References, see-also links and available IPD; the registry's MeSH tree (ancestors, browse
leaves and branches); overall officials, responsible party; IPD sharing statement;
oversight; status, design and eligibility extras; large documents; annotations and misc.
Last, :func:`keep_unread` turns every field no reader asked for into a note under its
path, so a module this project does not map yet is kept, never dropped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kg_builder.model import Note, Organization, Study
from kg_builder.model_record import (
    AvailableIpd,
    BrowseBranch,
    BrowseLeaf,
    DatedEvent,
    Document,
    IpdSharing,
    MeshTree,
    Official,
    Oversight,
    Reference,
    ResponsibleParty,
    WebLink,
)
from kg_builder.sources.json_reader import JsonReader

Obj = dict[str, Any] | None
_PMID = re.compile(r"^\d{1,9}$")
# The registry serves a study's large documents at ProvidedDocs/<last two digits of the NCT id>/<NCT id>/<file>:
# the classic XML states these addresses in full (document_url), API v2 only the file name.
_DOCS = "https://clinicaltrials.gov/ProvidedDocs/{}/{}/{}"
_OVERSIGHT = (("oversightHasDmc", "has_dmc"), ("isFdaRegulatedDrug", "fda_regulated_drug"),
              ("isFdaRegulatedDevice", "fda_regulated_device"), ("isUnapprovedDevice", "unapproved_device"),
              ("isUsExport", "us_export"), ("isPpsd", "pediatric_postmarket_surveillance"),
              ("fdaaa801Violation", "fdaaa801_violation"))


def read_details(reader: JsonReader, study: Study, obj: dict[str, Any]) -> None:
    """Fill ``study.details`` from every module of API v2 object ``obj`` the core reader does not read."""
    d = study.details
    protocol = reader.obj(obj, "protocolSection", "")
    p = "protocolSection"
    ident = reader.obj(protocol, "identificationModule", p)
    d.nct_aliases = reader.codes(ident, "nctIdAliases", f"{p}.identificationModule")
    org = reader.obj(ident, "organization", f"{p}.identificationModule")
    if (name := reader.text(org, "fullName", f"{p}.identificationModule.organization")) is not None:
        study.registrant = Organization(name, reader.code(org, "class", f"{p}.identificationModule.organization"))
    _status(reader, study, reader.obj(protocol, "statusModule", p))
    _design(reader, study, reader.obj(protocol, "designModule", p))
    q = f"{p}.eligibilityModule"
    eligibility = reader.obj(protocol, "eligibilityModule", p)
    d.sampling_method = reader.code(eligibility, "samplingMethod", q)
    d.gender_based = reader.boolean(eligibility, "genderBased", q)
    _people(reader, study, protocol)
    _oversight_ipd(reader, study, protocol)
    _references(reader, study, reader.obj(protocol, "referencesModule", p))
    derived = reader.obj(obj, "derivedSection", "")
    for key, attribute in (("conditionBrowseModule", "condition_tree"),
                           ("interventionBrowseModule", "intervention_tree")):
        module = reader.obj(derived, key, "derivedSection")
        if module is not None:
            setattr(d, attribute, _tree(reader, module, f"derivedSection.{key}"))
    misc = reader.obj(derived, "miscInfoModule", "derivedSection")
    d.version_holder = reader.date(misc, "versionHolder", "derivedSection.miscInfoModule", None)
    d.removed_countries = reader.texts(misc, "removedCountries", "derivedSection.miscInfoModule")
    _documents(reader, study, reader.obj(reader.obj(obj, "documentSection", ""), "largeDocumentModule",
                                         "documentSection"))
    _annotations(reader, study, reader.obj(reader.obj(obj, "annotationSection", ""), "annotationModule",
                                           "annotationSection"))


def _status(reader: JsonReader, study: Study, status: Obj) -> None:
    d, p = study.details, "protocolSection.statusModule"
    d.last_known_status = reader.code(status, "lastKnownStatus", p)
    d.status_verified_date = reader.date(status, "statusVerifiedDate", p, None)
    d.first_submitted_qc_date = reader.date(status, "studyFirstSubmitQcDate", p, None)
    d.last_update_submitted_date = reader.date(status, "lastUpdateSubmitDate", p, None)
    d.results_first_submitted_date = reader.date(status, "resultsFirstSubmitDate", p, None)
    d.results_first_submitted_qc_date = reader.date(status, "resultsFirstSubmitQcDate", p, None)
    d.results_first_posted_date = reader.date_struct(status, "resultsFirstPostDateStruct", p)
    access = reader.obj(status, "expandedAccessInfo", p)
    d.has_expanded_access = reader.boolean(access, "hasExpandedAccess", f"{p}.expandedAccessInfo")
    d.expanded_access_nct = reader.code(access, "nctId", f"{p}.expandedAccessInfo")
    d.expanded_access_status = reader.code(access, "statusForNctId", f"{p}.expandedAccessInfo")


def _design(reader: JsonReader, study: Study, design: Obj) -> None:
    d, p = study.details, "protocolSection.designModule"
    masking = reader.obj(reader.obj(design, "designInfo", p), "maskingInfo", f"{p}.designInfo")
    d.who_masked = reader.codes(masking, "whoMasked", f"{p}.designInfo.maskingInfo")
    bio = reader.obj(design, "bioSpec", p)
    d.biospec_retention = reader.code(bio, "retention", f"{p}.bioSpec")
    d.patient_registry = reader.boolean(design, "patientRegistry", p)
    d.target_duration = reader.text(design, "targetDuration", p)
    types = reader.obj(design, "expandedAccessTypes", p)
    for key in ("individual", "intermediate", "treatment"):
        if reader.boolean(types, key, f"{p}.expandedAccessTypes"):
            d.expanded_access_types.append(key.upper())


def _people(reader: JsonReader, study: Study, protocol: Obj) -> None:
    p = "protocolSection.contactsLocationsModule"
    module = reader.obj(protocol, "contactsLocationsModule", "protocolSection")
    reader.skip(module, "locations_nested", p)  # AACT fixtures' duplicate of "locations"
    for i, item in reader.objs(module, "overallOfficials", p):
        q = f"{p}.overallOfficials[{i}]"
        official = Official(reader.text(item, "name", q), reader.code(item, "role", q),
                            reader.text(item, "affiliation", q))
        if official.name or official.role or official.affiliation:
            study.details.officials.append(official)
    p = "protocolSection.sponsorCollaboratorsModule"
    party = reader.obj(reader.obj(protocol, "sponsorCollaboratorsModule", "protocolSection"), "responsibleParty", p)
    if party is not None:
        q = f"{p}.responsibleParty"
        study.details.responsible_party = ResponsibleParty(
            type=reader.code(party, "type", q), investigator_name=reader.text(party, "investigatorFullName", q),
            investigator_title=reader.text(party, "investigatorTitle", q),
            investigator_affiliation=reader.text(party, "investigatorAffiliation", q),
            old_name_title=reader.text(party, "oldNameTitle", q),
            old_organization=reader.text(party, "oldOrganization", q),
        )


def _oversight_ipd(reader: JsonReader, study: Study, protocol: Obj) -> None:
    p = "protocolSection.oversightModule"
    module = reader.obj(protocol, "oversightModule", "protocolSection")
    if module is not None:
        study.details.oversight = Oversight(**{f: reader.boolean(module, k, p) for k, f in _OVERSIGHT})
    p = "protocolSection.ipdSharingStatementModule"
    module = reader.obj(protocol, "ipdSharingStatementModule", "protocolSection")
    if module is not None:
        study.details.ipd_sharing = IpdSharing(
            answer=reader.code(module, "ipdSharing", p), description=reader.text(module, "description", p),
            info_types=tuple(reader.codes(module, "infoTypes", p)), time_frame=reader.text(module, "timeFrame", p),
            access_criteria=reader.text(module, "accessCriteria", p), url=reader.code(module, "url", p),
        )


def pmid_or_none(reader_warn: Any, raw: str | None, where: str) -> str | None:
    """A PubMed id as digits; anything else is warned about (through ``reader_warn``) and left out."""
    if raw is None:
        return None
    value = raw.strip().removeprefix("PMID:").strip()
    if _PMID.match(value):
        return str(int(value))
    reader_warn(where, "not a PubMed id, left out", raw)
    return None


def _references(reader: JsonReader, study: Study, module: Obj) -> None:
    d, p = study.details, "protocolSection.referencesModule"
    for i, item in reader.objs(module, "references", p):
        q = f"{p}.references[{i}]"
        retractions = []
        for j, r in reader.objs(item, "retractions", q):
            s = f"{q}.retractions[{j}]"
            if (pmid := pmid_or_none(reader.warn, reader.code(r, "pmid", s), f"{s}.pmid")) is not None:
                retractions.append(pmid)
        pmid = pmid_or_none(reader.warn, reader.code(item, "pmid", q), f"{q}.pmid")
        reference = Reference(reader.code(item, "type", q), pmid, reader.text(item, "citation", q), tuple(retractions))
        if reference.pmid or reference.citation:
            d.references.append(reference)
        else:
            reader.warn(q, "reference without a PubMed id or a citation, left out", item)
    for i, item in reader.objs(module, "seeAlsoLinks", p):
        q = f"{p}.seeAlsoLinks[{i}]"
        if (url := reader.code(item, "url", q)) is not None:
            d.see_also.append(WebLink(url, reader.text(item, "label", q)))
    for i, item in reader.objs(module, "availIpds", p):
        q = f"{p}.availIpds[{i}]"
        d.available_ipds.append(AvailableIpd(reader.text(item, "type", q), reader.text(item, "id", q),
                                             reader.code(item, "url", q), reader.text(item, "comment", q)))


def _tree(reader: JsonReader, module: dict[str, Any], p: str) -> MeshTree:
    ancestors = []
    for i, item in reader.objs(module, "ancestors", p):
        mesh_id, term = reader.code(item, "id", f"{p}.ancestors[{i}]"), reader.text(item, "term", f"{p}.ancestors[{i}]")
        if mesh_id and term:
            ancestors.append((mesh_id, term))
    leaves = []
    for i, item in reader.objs(module, "browseLeaves", p):
        q = f"{p}.browseLeaves[{i}]"
        leaf_id, name = reader.code(item, "id", q), reader.text(item, "name", q)
        if leaf_id and name:
            leaves.append(BrowseLeaf(leaf_id, name, reader.text(item, "asFound", q), reader.code(item, "relevance", q)))
    branches = []
    for i, item in reader.objs(module, "browseBranches", p):
        q = f"{p}.browseBranches[{i}]"
        abbrev, name = reader.code(item, "abbrev", q), reader.text(item, "name", q)
        if abbrev and name:
            branches.append(BrowseBranch(abbrev, name))
    return MeshTree(tuple(ancestors), tuple(leaves), tuple(branches))


def docs_url(nct: str | None, filename: str | None) -> str | None:
    """The registry's address of a study's large document (see :data:`_DOCS`)."""
    if not nct or not filename or "/" in filename:
        return None
    return _DOCS.format(nct[-2:], nct, filename)


def _documents(reader: JsonReader, study: Study, module: Obj) -> None:
    p = "documentSection.largeDocumentModule"
    for i, item in reader.objs(module, "largeDocs", p):
        q = f"{p}.largeDocs[{i}]"
        filename = reader.code(item, "filename", q)
        study.details.documents.append(Document(
            label=reader.text(item, "label", q), type_abbrev=reader.code(item, "typeAbbrev", q),
            has_protocol=reader.boolean(item, "hasProtocol", q), has_sap=reader.boolean(item, "hasSap", q),
            has_icf=reader.boolean(item, "hasIcf", q), date=reader.date(item, "date", q, None),
            upload_date=reader.code(item, "uploadDate", q), filename=filename, size=reader.count(item, "size", q),
            url=docs_url(study.registry_id, filename),
        ))


def _annotations(reader: JsonReader, study: Study, module: Obj) -> None:
    p = "annotationSection.annotationModule"
    unposted = reader.obj(module, "unpostedAnnotation", p)
    for i, item in reader.objs(unposted, "unpostedEvents", f"{p}.unpostedAnnotation"):
        q = f"{p}.unpostedAnnotation.unpostedEvents[{i}]"
        event = DatedEvent(reader.code(item, "type", q), reader.date(item, "date", q, None))
        study.details.unposted_events.append(event)
    violations = reader.obj(module, "violationAnnotation", p)
    for i, item in reader.objs(violations, "violationEvents", f"{p}.violationAnnotation"):
        q = f"{p}.violationAnnotation.violationEvents[{i}]"
        study.details.violation_events.append(DatedEvent(
            reader.code(item, "type", q), reader.date(item, "postedDate", q, None), reader.text(item, "description", q),
            issued=reader.date(item, "issuedDate", q, None), released=reader.date(item, "releaseDate", q, None),
            created=reader.date(item, "creationDate", q, None)))


def keep_unread(reader: JsonReader, study: Study) -> None:
    """Every field no reader asked for, as a note headed by its path (nothing vanishes silently)."""
    for path, value in reader.unread():
        study.notes.append(Note(path, _render(value)))


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        lines: list[str] = []
        _flatten(value, "", lines)
        return "\n".join(lines) or json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def _flatten(value: Any, prefix: str, lines: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else key, lines)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _flatten(item, f"{prefix}[{i}]", lines)
    else:
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{prefix}: {shown}" if prefix else shown)
