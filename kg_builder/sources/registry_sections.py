"""Section readers of the registry web-page layout (see :mod:`registry_page`).

Each reader fills part of a :class:`Study` from one :class:`Section`;
labels they do not know become notes, never silent losses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kg_builder.model import (
    Age,
    Contact,
    Design,
    Eligibility,
    Enrollment,
    Note,
    Organization,
    SecondaryId,
    Study,
)
from kg_builder.sources.registry_page_groups import read_groups, read_interventions
from kg_builder.sources.registry_page_sites import read_sites
from kg_builder.sources.values import (
    criteria_from_text,
    inferred_enrollment_type,
    parse_date,
    parse_int,
    phase_codes,
    to_code,
    yes_no,
)

_NCT = re.compile(r"\bNCT\d{8}\b")
_PHONE = re.compile(r"^[+(]?\d[\d\s()+\-./]{4,}(?:\s*(?:ext\.?|x)\s*\d+)?$", re.IGNORECASE)
_EMAIL = re.compile(r"^\S+@\S+\.\S+$")


@dataclass(slots=True)
class Section:
    """One headed section of a page (cut by :func:`registry_page.split_sections`)."""

    heading: str
    lines: list[str] = field(default_factory=list)  # non-blank lines, stripped
    raw: list[str] = field(default_factory=list)  # all lines, as written (for criteria text)


def _age(study: Study, text: str) -> Age | None:
    if text.strip().upper() in ("N/A", "NA", ""):
        return None
    try:
        return Age.parse(text)
    except ValueError:
        study.warnings.append(f"age not understood: {text!r}")
        return None


def _date(study: Study, label: str, text: str):  # -> PartialDate | None
    value = parse_date(text)
    if value is None:
        study.warnings.append(f"{label}: date not understood: {text!r}")
    return value


def _set_date(name: str) -> Callable[[Study, str], None]:
    def setter(study: Study, text: str) -> None:
        setattr(study, name, _date(study, name, text))

    return setter


def _set_enrollment(study: Study, text: str) -> None:
    count = parse_int(text)
    if count is None:
        study.warnings.append(f"enrollment not understood: {text!r}")
    else:
        study.enrollment = Enrollment(count)


_BASIC: dict[str, Callable[[Study, str], None]] = {
    "Recruitment Status": lambda s, v: setattr(s, "overall_status", to_code(v)),
    "Clinical Phase": lambda s, v: setattr(s, "phases", phase_codes(v)),
    "Total Enrollment": _set_enrollment,
    "Study Classification": lambda s, v: setattr(s, "study_type", to_code(v)),
    "Study Start Date": _set_date("start_date"),
    "Primary Completion Date": _set_date("primary_completion_date"),
    "Study Completion Date": _set_date("completion_date"),
    "First Submitted": _set_date("first_submitted_date"),
    "First Posted": _set_date("first_posted_date"),
    "Last Updated": _set_date("last_update_posted_date"),
    "Acronym": lambda s, v: setattr(s, "acronym", v),
    "Official Title": lambda s, v: setattr(s, "official_title", v),
    "Why Stopped": lambda s, v: setattr(s, "why_stopped", v),
}
_DESIGN = {
    "Allocation Method": "allocation",
    "Intervention Model": "intervention_model",
    "Primary Study Purpose": "primary_purpose",
    "Blinding Strategy": "masking",
    "Observational Model": "observational_model",
    "Time Perspective": "time_perspective",
}
_ELIGIBILITY_LABELS = (
    "Minimum Eligible Age",
    "Maximum Eligible Age",
    "Eligible Sex",
    "Accepts Healthy Volunteers",
    "Standard Age Groups",
)


def _pairs(lines: list[str]) -> list[tuple[str, str]]:
    """``label`` / ``value`` line pairs; an odd last line pairs with an empty value."""
    return [(lines[i], lines[i + 1] if i + 1 < len(lines) else "") for i in range(0, len(lines), 2)]


def preamble(study: Study, lines: list[str]) -> None:
    """Title, ``NCT ID: …`` and ``Last Updated: …`` above the first section."""
    for index, line in enumerate(lines):
        label, _, value = line.partition(":")
        if index == 0 and not value:
            study.brief_title = line
        elif label == "NCT ID" and (match := _NCT.search(value)):
            study.registry_id = match.group(0)
        elif label == "Last Updated":
            study.last_update_posted_date = _date(study, "Last Updated", value)
        elif index == 0:
            study.brief_title = line
        else:
            study.notes.append(Note("Page header", line))


def study_results(study: Study, section: Section) -> None:
    if any(line.lower() == "results pending" for line in section.lines):
        study.has_results = False  # the rest is the site's "check back later" text
    elif section.lines:
        study.has_results = True
        study.notes.append(Note(section.heading, "\n".join(section.lines)))


def basic_information(study: Study, section: Section) -> None:
    for label, value in _pairs(section.lines):
        if label in _BASIC:
            _BASIC[label](study, value)
        else:
            study.notes.append(Note(f"{section.heading}: {label}", value))


def study_design(study: Study, section: Section) -> None:
    values: dict[str, str | None] = {}
    for label, value in _pairs(section.lines):
        if label in _DESIGN:
            values[_DESIGN[label]] = to_code(value)
        else:
            study.notes.append(Note(f"{section.heading}: {label}", value))
    study.design = Design(**values)


def _paragraphs(section: Section) -> str | None:
    return "\n\n".join(section.lines) or None


def eligibility(study: Study, section: Section) -> None:
    raw = list(section.raw)
    criteria_lines: list[str] = []
    for index, line in enumerate(raw):
        if line.strip() in _ELIGIBILITY_LABELS:
            raw = raw[index:]
            break
        criteria_lines.append(line)  # headings too, as written: the page shows the record's own text
    else:
        raw = []
    text = "\n".join(criteria_lines).strip()
    values = {label: value for label, value in _pairs([line.strip() for line in raw if line.strip()])}
    criteria = criteria_from_text(text)
    if text and not criteria:
        study.warnings.append("Eligibility Criteria: inclusion and exclusion cannot be told apart (no heading "
                              "names them); the criteria are kept as text only")
    study.eligibility = Eligibility(
        criteria_text=text or None,
        criteria=criteria,
        min_age=_age(study, values.get("Minimum Eligible Age", "")),
        max_age=_age(study, values.get("Maximum Eligible Age", "")),
        sex=to_code(values.get("Eligible Sex")),
        healthy_volunteers=yes_no(values.get("Accepts Healthy Volunteers")),
        std_ages=tuple(
            to_code(v) or "" for v in re.split(r"[,|]", values.get("Standard Age Groups", "")) if v.strip()
        ),
    )


def sponsors(study: Study, section: Section) -> None:
    """Blocks of ``name``, optional class code, ``Sponsor Role lead|collaborator``."""
    pending: list[str] = []
    for line in [*section.lines, "Sponsor Role collaborator"]:
        if line.startswith("Sponsor Role"):
            if pending:
                class_ = (
                    to_code(pending[1]) if len(pending) > 1 and re.fullmatch(r"[A-Z_]+", pending[1]) else None
                )
                org = Organization(pending[0], class_)
                if line.removeprefix("Sponsor Role").strip().lower() == "lead" and study.lead_sponsor is None:
                    study.lead_sponsor = org
                else:
                    study.collaborators.append(org)
            pending = []
        else:
            pending.append(line)


def locations(study: Study, section: Section) -> None:
    read_sites(study, section.lines)


def interventions(study: Study, section: Section) -> None:
    read_interventions(study, section.lines)


def study_groups(study: Study, section: Section) -> None:
    read_groups(study, section.lines)


def countries(study: Study, section: Section) -> None:
    # Derived from the sites; keep only a country no site names, so nothing is lost.
    named = {site.country for site in study.sites}
    extra = [line for line in section.lines if line not in named]
    if extra:
        study.notes.append(Note(section.heading, "\n".join(extra)))


def _contacts(lines: list[str]) -> list[Contact]:
    """``Name, Degree`` then optional ``Role: X``, phone and e-mail lines."""
    people: list[Contact] = []
    for line in lines:
        if line.startswith("Role:") and people:
            people[-1] = replace(people[-1], role=line.removeprefix("Role:").strip() or None)
        elif _PHONE.match(line) and people:
            people[-1] = replace(people[-1], phone=line)
        elif _EMAIL.match(line) and people:
            people[-1] = replace(people[-1], email=line)
        else:
            people.append(Contact(line))
    return people


def central_contacts(study: Study, section: Section) -> None:
    study.central_contacts.extend(_contacts(section.lines))


def facility_contacts(study: Study, section: Section) -> None:
    """The page lists one facility contact per location, in the locations' order."""
    people = _contacts(section.lines)
    if len(people) == len(study.sites):
        study.sites[:] = [
            replace(site, contacts=(*site.contacts, person))
            for site, person in zip(study.sites, people, strict=True)
        ]
    elif people:
        # Personal data we cannot place: dropped rather than attached to the wrong site.
        study.warnings.append(
            f"{len(people)} facility contacts for {len(study.sites)} locations: contacts not attached"
        )


def other_identifiers(study: Study, section: Section) -> None:
    """Blocks of ``id``, ``Identifier Type: T``, ``Identifier Source: S``."""
    current: dict[str, str] = {}

    def flush() -> None:
        ident = current.get("id")
        if ident:
            source, type_ = current.get("source", ""), current.get("type", "")
            if source == "org_study_id" and study.org_study_id is None:
                study.org_study_id = ident
            else:
                domain = source if source not in ("", "-", "secondary_id") else None
                study.secondary_ids.append(
                    SecondaryId(ident, type_ if type_ not in ("", "-") else None, domain)
                )
        current.clear()

    for line in section.lines:
        if line.startswith("Identifier Type:"):
            current["type"] = line.removeprefix("Identifier Type:").strip()
        elif line.startswith("Identifier Source:"):
            current["source"] = line.removeprefix("Identifier Source:").strip()
        else:
            flush()
            current["id"] = line
    flush()


def _lines_into(name: str) -> Callable[[Study, Section], None]:
    def reader(study: Study, section: Section) -> None:
        getattr(study, name).extend(section.lines)

    return reader


def _text_into(name: str) -> Callable[[Study, Section], None]:
    def reader(study: Study, section: Section) -> None:
        setattr(study, name, _paragraphs(section))

    return reader


READERS: dict[str, Callable[[Study, Section], None]] = {
    "Study Results": study_results,
    "Basic Information": basic_information,
    "Brief Summary": _text_into("brief_summary"),
    "Detailed Description": _text_into("detailed_description"),
    "Conditions": _lines_into("conditions"),
    "Keywords": _lines_into("keywords"),
    "Study Design": study_design,
    "Interventions": interventions,
    "Study Groups": study_groups,
    "Eligibility Criteria": eligibility,
    "Sponsors": sponsors,
    "Collaborators": lambda s, sec: s.collaborators.extend(Organization(line) for line in sec.lines),
    "Locations": locations,
    "Countries": countries,
    "Central Contacts": central_contacts,
    "Other Identifiers": other_identifiers,
}
# Read after the others: they need what earlier sections found.
DEFERRED = ("Study Groups", "Countries", "Facility Contacts")


def finish(study: Study) -> None:
    """Cross-section links and inferences once every section is read."""
    if study.enrollment is not None and study.enrollment.type is None:
        # The page shows no ACTUAL/ESTIMATED; a study still recruiting shows its anticipated count.
        study.enrollment = Enrollment(study.enrollment.count, inferred_enrollment_type(study.overall_status))
