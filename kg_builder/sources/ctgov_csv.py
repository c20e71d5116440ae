"""The registry's CSV download (``ctg-studies.csv``) → one Study per row.

Columns are found by header name (normalised: case, spaces and punctuation ignored), so
files with extra, missing, reordered or renamed columns still read; a column we do not
know is kept per row as a note. Cells may run over several lines (quoted), hold HTML
entities and CommonMark escapes, and join several values with ``|``:

* Interventions ``DRUG: x|BIOLOGICAL: y``; Locations ``Facility, City, State, Zip, Country``
  per site, read from the right: the country, a postal code, then the city and a state the
  words say (a facility's name may hold commas; see :func:`_site`);
* outcome cells ``title, description, time frame`` — split by :mod:`outcome_text`;
* Study Design ``Allocation: RANDOMIZED|Intervention Model: PARALLEL|…``;
* Other IDs: the first is the sponsor's own (org study id), the rest secondary ids;
* Age holds the standard age groups (``ADULT, OLDER_ADULT``), not limits.

Dates may be ISO or re-saved by a spreadsheet as ``4/11/2022``. The download has no
enrollment type; a study still recruiting gets ESTIMATED (see ``values``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator

from kg_builder.enrich.places import INSTITUTION_WORDS as _INSTITUTION
from kg_builder.enrich.places import country_code, geonames_city, is_subdivision, trailing_country
from kg_builder.errors import InputError
from kg_builder.model import (
    Design,
    Eligibility,
    Enrollment,
    Note,
    Organization,
    Provenance,
    Reject,
    SecondaryId,
    Site,
    Study,
)
from kg_builder.sources.base import ParseResult, SourceDocument, content_hash, is_plain_text
from kg_builder.sources.codes import known_codes
from kg_builder.sources.outcome_text import split_outcome_cell
from kg_builder.sources.values import (
    inferred_enrollment_type,
    parse_date,
    parse_int,
    parse_intervention,
    phase_codes,
    plain,
    split_list,
    to_code,
    unescape,
    yes_no,
)

NAME = "ctgov-csv"
# Normalised header → our key. Several spellings per key (older downloads differ).
_COLUMNS: dict[str, str] = {
    "nctnumber": "nct",
    "nctid": "nct",
    "studytitle": "title",
    "title": "title",
    "studyurl": "url",
    "url": "url",
    "acronym": "acronym",
    "studystatus": "status",
    "status": "status",
    "overallstatus": "status",
    "briefsummary": "summary",
    "studyresults": "results",
    "results": "results",
    "conditions": "conditions",
    "interventions": "interventions",
    "primaryoutcomemeasures": "primary",
    "secondaryoutcomemeasures": "secondary",
    "otheroutcomemeasures": "other",
    "outcomemeasures": "outcomes",
    "sponsor": "sponsor",
    "sponsorcollaborators": "sponsor_collaborators",
    "collaborators": "collaborators",
    "sex": "sex",
    "gender": "sex",
    "age": "age",
    "phases": "phases",
    "phase": "phases",
    "enrollment": "enrollment",
    "fundertype": "funder",
    "fundedbys": "funder",
    "studytype": "type",
    "studydesign": "design",
    "studydesigns": "design",
    "otherids": "ids",
    "startdate": "start",
    "primarycompletiondate": "primary_completion",
    "completiondate": "completion",
    "firstposted": "first_posted",
    "lastupdateposted": "last_update",
    "locations": "locations",
}
# Study Design label → (Design field, its code list).
_DESIGN_KEYS = {
    "allocation": ("allocation", "allocation"),
    "interventionmodel": ("intervention_model", "intervention-model"),
    "masking": ("masking", "masking"),
    "primarypurpose": ("primary_purpose", "primary-purpose"),
    "observationalmodel": ("observational_model", "observational-model"),
    "timeperspective": ("time_perspective", "time-perspective"),
}
# A postal code has a digit and no word of four letters or more: "751 85", "SW1A 1AA", "B1602DQD",
# "P.O. Box 43640 - 00100"; not "Praha 2" or "Paris Cedex 10", which are cities.
_POSTCODE = re.compile(r"^(?=.*\d)(?!.*[^\W\d_]{4}).{1,30}$")


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def is_header(row: list[str]) -> bool:
    """Whether ``row`` is a registry CSV header (has an NCT Number or Study Title column)."""
    keys = {_COLUMNS.get(_norm(cell)) for cell in row}
    return "nct" in keys or "title" in keys


def sniff(head: bytes, text: str) -> bool:
    """Plain text whose first row parses as a CSV header naming an NCT Number or Study Title column."""
    if not is_plain_text(head):
        return False
    try:
        header = next(csv.reader(io.StringIO(text.lstrip())), None)
    except csv.Error:
        return False
    return bool(header) and len(header) > 1 and is_header(header)


def iter_records(doc: SourceDocument) -> Iterator[ParseResult]:
    """Yield one Study or Reject per data row; never raises for content."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 28))  # one cell may list 400+ sites
    try:
        raw = doc.open()
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", where=doc.name) from exc
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as text:
        reader = csv.reader(text)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            yield Reject(doc.name, "row 1", f"CSV header cannot be read: {exc}", NAME)
            return
        if not header or not is_header(header):
            yield Reject(
                doc.name, "row 1", "no CSV header with an 'NCT Number' or 'Study Title' column", NAME
            )
            return
        keys = [_COLUMNS.get(_norm(name)) for name in header]
        row_no, seen = 1, False
        while True:
            row_no += 1
            try:
                row = next(reader)
            except StopIteration:
                if not seen:
                    yield Reject(doc.name, "row 2", "CSV header but no data rows", NAME)
                return
            except csv.Error as exc:
                yield Reject(doc.name, f"row {row_no}", f"CSV row cannot be read: {exc}", NAME)
                return
            if not any(cell.strip() for cell in row):
                continue
            seen = True
            digest = content_hash("\x1f".join(row).encode("utf-8"))
            provenance = Provenance(doc.name, NAME, f"row {row_no}", digest)
            try:
                yield build_row(row, header, keys, provenance)
            except Exception as exc:  # a bug must cost one record, never the build
                yield Reject(
                    doc.name, f"row {row_no}", f"parser error (bug): {type(exc).__name__}: {exc}", NAME
                )


def _location_cells(cell: str | None, warnings: list[str]) -> list[str]:
    """The sites of a Locations cell. Sites are joined by ``|``, but a facility name may hold
    one too ("Hospital A | Unit B, City, Country"): a piece that does not end in a country
    name joins the next one when it cannot be a whole site of its own — it has fewer parts
    than facility, city and country, or the ``|`` after it has spaces around it, as the
    registry's own joins never do. A site whose country still resolves to nothing is kept
    with a warning."""
    if not cell:
        return []
    raw = cell.split("|")
    sites: list[str] = []
    pending = ""
    for index, piece in enumerate(raw):
        pending += piece
        last = index == len(raw) - 1
        spaced = not last and (pending[-1:].isspace() or raw[index + 1][:1].isspace())
        fragment = pending.count(",") < 2 or spaced
        if not last and trailing_country(pending) is None and fragment:
            pending += "|"
            continue
        if pending.strip():
            if trailing_country(pending) is None:
                warnings.append(f"Locations: {pending.strip()!r} names no known country; kept as written")
            sites.append(pending.strip())
        pending = ""
    return sites


def _site(cell: str) -> Site:
    """One site, ``Facility, City, State, Zip, Country`` with the facility, state and zip each
    optional and commas inside a facility name: read from the right, the parts that are left
    once the country and a postal code are off are the facility's, the city's and perhaps a
    state's (see :func:`_has_state`). The facility is kept as written, commas and all."""
    spans = [m for m in re.finditer(r"[^,]+", cell) if m.group().strip()]
    country = spans.pop().group().strip() if spans else None
    if spans and country and country_code(country) is None and country_code(f"{spans[-1].group().strip()}, {country}"):
        country = f"{spans.pop().group().strip()}, {country}"  # "Korea, Republic of": the country name has a comma
    code = country_code(country)
    zip_code = spans.pop().group().strip() if len(spans) > 1 and _POSTCODE.match(spans[-1].group().strip()) else None
    parts = [span.group().strip() for span in spans]
    facility = city = state = None
    if len(parts) == 2 and not _city_and_state(parts[0], parts[1], code):
        facility, city = _facility(cell, spans, 1), parts[1]
    elif len(parts) >= 2 and _has_state(parts[-2], parts[-1], code):
        facility, city, state = _facility(cell, spans, len(parts) - 2), parts[-2], parts[-1]
    elif len(parts) >= 2:
        facility, city = _facility(cell, spans, len(parts) - 1), parts[-1]
    elif parts:
        city = parts[0]
    return Site(facility=facility, city=city, state=state, zip=zip_code, country=country)


def _has_state(before: str, last: str, code: str | None) -> bool:
    """Whether ``…, before, last`` ends in a city and its state rather than in a facility's last
    part and its city. The registry asks a state of US sites only; elsewhere the words decide:
    an institution word ("Hospital", "Department") before a place says facility, a city that
    GeoNames knows there says city, and a subdivision of the country that is not also a city
    says state. Otherwise the site has no state."""
    if code == "US":
        return is_subdivision(last, code)
    if _INSTITUTION.search(before) and not _INSTITUTION.search(last):
        return False
    if geonames_city(before, code) is not None:
        return True
    return is_subdivision(last, code) and geonames_city(last, code) is None


def _city_and_state(first: str, second: str, code: str | None) -> bool:
    """Whether a site of two parts is a city and its state with no facility (old records have
    many) rather than a facility and its city: a US state after a place name, or elsewhere a
    city GeoNames knows followed by a subdivision that is not also a city."""
    if _INSTITUTION.search(first):
        return False
    if code == "US":
        return is_subdivision(second, code)
    return (geonames_city(first, code) is not None and is_subdivision(second, code)
            and geonames_city(second, code) is None)


def _facility(cell: str, spans: list[re.Match[str]], end: int) -> str | None:
    """The facility, parts ``spans[:end]``, as the cell writes it: "Hospital,Linkou" keeps its
    spacing and "Old Admin Building," its trailing comma (the comma before the city is the join)."""
    if end <= 0:
        return None
    text = cell[spans[0].start() : spans[end].start()].strip()
    return text.removesuffix(",").rstrip() or None


def build_row(
    row: list[str], header: list[str], keys: list[str | None], provenance: Provenance
) -> Study | Reject:
    """The Study in one CSV row."""
    cells: dict[str, str] = {}
    study = Study(provenance=provenance)
    for index, cell in enumerate(row):
        value = plain(unescape(cell)).strip()
        key = keys[index] if index < len(keys) else None
        if key is not None:
            cells.setdefault(key, value)
        elif value and key is None:
            name = (
                header[index].strip()
                if index < len(header) and header[index].strip()
                else f"column {index + 1}"
            )
            study.notes.append(Note(name, value))
    get: Callable[[str], str | None] = lambda key: cells.get(key) or None  # noqa: E731

    nct = get("nct")
    if nct is not None and not re.fullmatch(r"NCT\d{8}", nct):
        study.warnings.append(f"NCT Number: not an NCT id, got {nct!r}")
        nct = None
    study.registry_id = nct
    study.brief_title = get("title")
    if study.registry_id is None and study.brief_title is None:
        return Reject(
            provenance.source_file, provenance.position, "row has neither an NCT Number nor a title", NAME
        )
    study.acronym = get("acronym")
    study.overall_status = to_code(get("status"))
    study.brief_summary = get("summary")
    study.has_results = yes_no(get("results"))
    study.conditions = split_list(get("conditions"))
    study.interventions = [i for c in split_list(get("interventions")) if (i := parse_intervention(c))]
    for key, kind in (
        ("primary", "primary"),
        ("secondary", "secondary"),
        ("other", "other"),
        ("outcomes", "unknown"),
    ):
        study.outcomes.extend(split_outcome_cell(get(key), kind, study.warnings))  # type: ignore[arg-type]
    _parties(study, get)
    study.phases = phase_codes(get("phases"))
    study.study_type = to_code(get("type"))
    count = parse_int(get("enrollment"))
    if count is not None:
        study.enrollment = Enrollment(count, inferred_enrollment_type(study.overall_status))
    if design := get("design"):
        values = {}
        for item in split_list(design):
            label, _, value = item.partition(":")
            if (known := _DESIGN_KEYS.get(_norm(label))) is None:
                study.notes.append(Note("Study Design", item))
                continue
            field, scheme = known
            code, codes = to_code(value), known_codes(scheme)
            if code is not None and codes and code not in codes:
                # A cell cut short ("Time Perspective: p") names no code: left out, not invented.
                study.warnings.append(f"Study Design: {item.strip()!r} is no {scheme} code (cut short?); left out")
                continue
            values[field] = code
        study.design = Design(**values)
    ids = split_list(get("ids"))
    if ids:
        study.org_study_id = ids[0]
        study.secondary_ids = [SecondaryId(i) for i in ids[1:]]
    for key, attr in (
        ("start", "start_date"),
        ("primary_completion", "primary_completion_date"),
        ("completion", "completion_date"),
        ("first_posted", "first_posted_date"),
        ("last_update", "last_update_posted_date"),
    ):
        if text := get(key):
            value = parse_date(text)
            if value is None:
                study.warnings.append(f"{key}: not a date, got {text!r}")
            setattr(study, attr, value)
    study.sites = [_site(cell) for cell in _location_cells(get("locations"), study.warnings)]
    sex, ages = (
        to_code(get("sex")),
        tuple(to_code(a) or "" for a in re.split(r"[,|]", get("age") or "") if a.strip()),
    )
    if sex or ages:
        study.eligibility = Eligibility(sex=sex, std_ages=ages)
    return study


def _parties(study: Study, get: Callable[[str], str | None]) -> None:
    funders = split_list(get("funder"))
    names = split_list(get("sponsor_collaborators"))
    sponsor = get("sponsor") or (names[0] if names else None)
    collaborators = split_list(get("collaborators")) or names[1:]
    if sponsor:
        study.lead_sponsor = Organization(sponsor, to_code(funders[0]) if funders else None)
    study.collaborators = [Organization(name) for name in collaborators]
