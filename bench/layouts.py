"""Write real registry records out in the two text layouts of ``../shared/seeds``.

Used by ``bench/heldout.py`` to measure the text parsers against the records' own fields:
a record (API v2 JSON, or classic XML turned into the same shape by :func:`from_xml`) is
rendered as the registry web page of seed 003 and as the flat record of seed 000, exactly
as those seeds show them, then parsed back.

* Registry page: section headings, each followed by the site's explanatory sentence;
  values on the line after their label; arms as label, description, ``Group Type X`` and
  per intervention name, ``Intervention Type X``, description; sites as facility,
  ``City, State, Country`` and ``Site Status X`` only when the record has a site status
  (completed and terminated studies have none); the eligibility text as registered.
* CSV download row (``render_csv``): the columns the parser's site, intervention and outcome
  readers use, as the registry writes them; Locations ``Facility, City, State, Zip, Country``
  (absent parts left out) joined by ``|``.
* Flat record: Study Title, Brief Summary, Conditions and Interventions (``TYPE: name``)
  joined by ``|``, then the "Primary Outcome Measures" cell of the registry's CSV download:
  ``measure, description, time frame`` (absent parts left out) joined by ``|``; an
  observational study's interventions line is empty.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

Record = dict[str, Any]  # the API v2 "protocolSection" shape, only the fields used here

_EXPLAIN = {
    "Basic Information": "Get a concise snapshot of the trial, including recruitment status, study phase, "
    "enrollment targets, and key timeline milestones.",
    "Brief Summary": "Review the sponsor-provided synopsis that highlights what the study is about and why "
    "it is being conducted.",
    "Detailed Description": "Dive into the extended narrative that explains the scientific background, "
    "objectives, and procedures in greater depth.",
    "Conditions": "See the medical conditions and disease areas that this research is targeting or "
    "investigating.",
    "Study Design": "Understand how the trial is structured, including allocation methods, masking "
    "strategies, primary purpose, and other design elements.",
    "Study Groups": "Review each arm or cohort in the study, along with the interventions and objectives "
    "associated with them.",
    "Interventions": "Learn about the drugs, procedures, or behavioral strategies being tested and how they "
    "are applied within this trial.",
    "Eligibility Criteria": "Check the participation requirements, including inclusion and exclusion rules, "
    "age limits, and whether healthy volunteers are accepted.",
    "Sponsors": "Meet the organizations funding or collaborating on the study and learn about their roles.",
    "Locations": "Explore where the study is taking place and check the recruitment status at each "
    "participating site.",
    "Countries": "Review the countries where the study has at least one active or historical site.",
}
_TYPE_LABELS = {
    "DRUG": "Drug", "BIOLOGICAL": "Biological", "DEVICE": "Device", "PROCEDURE": "Procedure",
    "RADIATION": "Radiation", "BEHAVIORAL": "Behavioral", "GENETIC": "Genetic",
    "DIETARY_SUPPLEMENT": "Dietary Supplement", "COMBINATION_PRODUCT": "Combination Product",
    "DIAGNOSTIC_TEST": "Diagnostic Test", "OTHER": "Other",
}


def _get(record: Record, *path: str) -> Any:
    value: Any = record
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _section(out: list[str], heading: str, *blocks: str) -> None:
    out += [heading, _EXPLAIN[heading], *(b for b in blocks if b)]


def _ref_name(ref: str) -> tuple[str | None, str]:
    prefix, sep, rest = ref.partition(": ")
    if sep and prefix in _TYPE_LABELS.values():
        return prefix, rest
    return None, ref


def render_page(record: Record, *, site_status: bool = True) -> str:
    """The record as seed 003's page; ``site_status=False`` drops every "Site Status" line."""
    ident, status = record.get("identificationModule", {}), record.get("statusModule", {})
    design = record.get("designModule", {})
    out = [ident.get("briefTitle", ""), f"NCT ID: {ident.get('nctId', '')}"]
    basic = [("Recruitment Status", status.get("overallStatus")),
             ("Clinical Phase", ", ".join(design.get("phases") or []) or None),
             ("Total Enrollment", f"{_get(design, 'enrollmentInfo', 'count')} participants"
              if _get(design, "enrollmentInfo", "count") is not None else None),
             ("Study Classification", design.get("studyType")),
             ("Study Start Date", _get(status, "startDateStruct", "date")),
             ("Study Completion Date", _get(status, "completionDateStruct", "date"))]
    _section(out, "Basic Information", *(f"{label}\n\n{value}" for label, value in basic if value))
    _section(out, "Brief Summary", _get(record, "descriptionModule", "briefSummary") or "")
    _section(out, "Conditions", *(_get(record, "conditionsModule", "conditions") or []))
    info = design.get("designInfo") or {}
    pairs = [("Allocation Method", info.get("allocation")), ("Intervention Model", info.get("interventionModel")),
             ("Primary Study Purpose", info.get("primaryPurpose")),
             ("Blinding Strategy", _get(info, "maskingInfo", "masking")),
             ("Observational Model", info.get("observationalModel")),
             ("Time Perspective", info.get("timePerspective"))]
    _section(out, "Study Design", *(f"{label}\n\n{value}" for label, value in pairs if value))
    module = record.get("armsInterventionsModule") or {}
    interventions = module.get("interventions") or []
    groups: list[str] = []
    for arm in module.get("armGroups") or []:
        groups += [arm.get("label", ""), arm.get("description", "")]
        if arm.get("type"):
            groups.append(f"Group Type {arm['type']}")
        for ref in arm.get("interventionNames") or []:
            type_label, name = _ref_name(ref)
            # The intervention the reference means: of that type and name, the one that names this arm.
            same = [i for i in interventions
                    if i.get("name") == name and _TYPE_LABELS.get(i.get("type", ""), "") == (type_label or "")]
            item = next((i for i in same if arm.get("label") in (i.get("armGroupLabels") or ())),
                        same[0] if same else {})
            groups += [name, f"Intervention Type {item.get('type', 'OTHER')}", item.get("description", "")]
    if groups:
        _section(out, "Study Groups", *groups)
    if interventions:
        _section(out, "Interventions", *(f"{i.get('name', '')}\n\n{i.get('description', '')}\n\n"
                                         f"Intervention Type {i.get('type', 'OTHER')}" for i in interventions))
    eligibility = record.get("eligibilityModule") or {}
    labels = [("Minimum Eligible Age", eligibility.get("minimumAge")),
              ("Maximum Eligible Age", eligibility.get("maximumAge")),
              ("Eligible Sex", eligibility.get("sex")),
              ("Accepts Healthy Volunteers", {True: "Yes", False: "No"}.get(eligibility.get("healthyVolunteers")))]
    values = "\n\n".join(f"{label}\n\n{value}" for label, value in labels if value)
    if eligibility.get("eligibilityCriteria") or values:
        # The page writes the first age label right under the criteria, without a blank line.
        criteria = (eligibility.get("eligibilityCriteria") or "").rstrip("\n")
        _section(out, "Eligibility Criteria", f"{criteria}\n{values}" if criteria else values)
    lead = _get(record, "sponsorCollaboratorsModule", "leadSponsor") or {}
    if lead.get("name"):
        _section(out, "Sponsors", lead["name"], lead.get("class", ""), "Sponsor Role lead")
    sites: list[str] = []
    for site in _get(record, "contactsLocationsModule", "locations") or []:
        place = ", ".join(site[k] for k in ("city", "state", "country") if site.get(k))
        sites += [site.get("facility", ""), place]
        if site_status and site.get("status"):
            sites.append(f"Site Status {site['status']}")
    if sites:
        _section(out, "Locations", *sites)
        countries = dict.fromkeys(s["country"] for s in record["contactsLocationsModule"]["locations"]
                                  if s.get("country"))
        _section(out, "Countries", *countries)
    return "\n\n".join(out) + "\n"


def outcome_entry(outcome: dict[str, str]) -> str:
    """One outcome as the CSV download writes it: its present parts joined by ", "."""
    return ", ".join(outcome[k] for k in ("measure", "description", "timeFrame") if outcome.get(k))


def render_flat(record: Record, *, repeat_summary: bool = False) -> str:
    """The record as seed 000's flat record: five CSV cells, one per line (and, as seed 000
    has it, the summary once more at the end when ``repeat_summary``)."""
    module = record.get("armsInterventionsModule") or {}
    interventions = "|".join(f"{i.get('type', 'OTHER')}: {i.get('name', '')}"
                             for i in module.get("interventions") or [])
    primary = _get(record, "outcomesModule", "primaryOutcomes") or []
    lines = [_get(record, "identificationModule", "briefTitle") or "",
             _get(record, "descriptionModule", "briefSummary") or "",
             "|".join(_get(record, "conditionsModule", "conditions") or []),
             interventions, "|".join(outcome_entry(o) for o in primary)]
    if repeat_summary and lines[1]:
        lines.append(lines[1])
    return "\n".join(lines)


def render_csv(record: Record) -> str:
    """The record as one row of the registry's CSV download (header line included)."""
    module = record.get("armsInterventionsModule") or {}
    outcomes = record.get("outcomesModule") or {}
    row = {
        "NCT Number": _get(record, "identificationModule", "nctId") or "",
        "Study Title": _get(record, "identificationModule", "briefTitle") or "",
        "Conditions": "|".join(_get(record, "conditionsModule", "conditions") or []),
        "Interventions": "|".join(f"{i.get('type', 'OTHER')}: {i.get('name', '')}"
                                  for i in module.get("interventions") or []),
        "Primary Outcome Measures": "|".join(outcome_entry(o) for o in outcomes.get("primaryOutcomes") or []),
        "Secondary Outcome Measures": "|".join(outcome_entry(o) for o in outcomes.get("secondaryOutcomes") or []),
        "Locations": "|".join(", ".join(site[k] for k in ("facility", "city", "state", "zip", "country") if site.get(k))
                              for site in _get(record, "contactsLocationsModule", "locations") or []),
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, list(row))
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue()


def _text(node: ET.Element | None, path: str) -> str | None:
    found = node.find(path) if node is not None else None
    text = " ".join((found.text or "").split()) if found is not None else ""
    return text or None


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value:
        target[key] = value


def from_xml(root: ET.Element) -> Record:
    """The fields used here from a classic XML ``<clinical_study>``, in API v2 shape
    (free text with its line wrapping collapsed; types and statuses as v2 codes)."""

    def code(text: str | None) -> str | None:
        return text.upper().replace(" ", "_").replace(",", "") if text else None

    record: Record = {"identificationModule": {"nctId": _text(root, "id_info/nct_id"),
                                               "briefTitle": _text(root, "brief_title")},
                      "statusModule": {"overallStatus": code(_text(root, "overall_status"))},
                      "designModule": {"studyType": code(_text(root, "study_type"))},
                      "descriptionModule": {"briefSummary": _text(root, "brief_summary/textblock")},
                      "conditionsModule": {"conditions": [c for n in root.findall("condition")
                                                          if (c := _text(n, "."))]}}
    interventions, arms = [], []
    for node in root.findall("intervention"):
        item: dict[str, Any] = {"name": _text(node, "intervention_name"),
                                "type": code(_text(node, "intervention_type"))}
        _put(item, "description", _text(node, "description"))
        _put(item, "armGroupLabels", [v for n in node.findall("arm_group_label") if (v := _text(n, "."))])
        interventions.append(item)
    for node in root.findall("arm_group"):
        arm: dict[str, Any] = {"label": _text(node, "arm_group_label")}
        _put(arm, "type", code(_text(node, "arm_group_type")))
        _put(arm, "description", _text(node, "description"))
        # XML states links on the intervention side only; the page lists them under the arm.
        _put(arm, "interventionNames", [f"{_TYPE_LABELS.get(i['type'] or '', 'Other')}: {i['name']}"
                                        for i in interventions if arm["label"] in i.get("armGroupLabels", ())])
        arms.append(arm)
    record["armsInterventionsModule"] = {"interventions": interventions, "armGroups": arms}
    outcomes = []
    for node in root.findall("primary_outcome"):
        outcome: dict[str, str] = {}
        for key, tag in (("measure", "measure"), ("description", "description"), ("timeFrame", "time_frame")):
            _put(outcome, key, _text(node, tag))
        outcomes.append(outcome)
    record["outcomesModule"] = {"primaryOutcomes": outcomes}
    sites = []
    for node in root.findall("location"):
        site: dict[str, str] = {}
        for key, tag in (("facility", "facility/name"), ("city", "facility/address/city"),
                         ("state", "facility/address/state"), ("zip", "facility/address/zip"),
                         ("country", "facility/address/country")):
            _put(site, key, _text(node, tag))
        _put(site, "status", code(_text(node, "status")))
        sites.append(site)
    record["contactsLocationsModule"] = {"locations": sites}
    return record
