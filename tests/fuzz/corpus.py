"""The real records the fuzz suites start from, one list of documents (bytes) per layout.

* ``ctgov-json`` and ``ctgov-xml``: the files of ``shared/data`` as published.
* ``ctgov-csv``: each row of the shared CSV downloads as its own document (header + row),
  so one case is one record and its time is one record's time.
* ``flat-record``: the seed and example flat records, and every CSV row rendered into
  that layout (its five columns one per line: title, summary, conditions, interventions,
  outcome measures), as the seed itself was made.
* ``registry-page``: the seed and example pages, and every API v2 JSON record rendered
  into the page layout (headings, the site's explanation sentence, label/value lines).

When ``shared/data`` is absent (a checkout without it) the lists hold only what the
repository ships in ``examples/``.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
EXAMPLES = ROOT / "examples"
LAYOUTS = ("ctgov-json", "ctgov-xml", "ctgov-csv", "registry-page", "flat-record")

_FLAT_COLUMNS = ("Study Title", "Brief Summary", "Conditions", "Interventions", "Primary Outcome Measures")
_EXPLAIN = "Review the details of this part of the study."


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def _seed_texts() -> dict[str, list[bytes]]:
    """The shipped and shared seeds, sorted into the page and flat layouts by detection."""
    from kg_builder.sources.detect import detect_text

    found: dict[str, list[bytes]] = {"registry-page": [], "flat-record": []}
    seen: set[bytes] = set()
    for path in [*_files(SHARED / "seeds", "*.txt"), *_files(EXAMPLES / "seeds", "*.txt")]:
        data = path.read_bytes()
        layout = detect_text(data[:65536], data[:65536].decode("utf-8", "replace"))
        if data not in seen and layout in found:
            seen.add(data)
            found[layout].append(data)
    return found


@cache
def csv_rows() -> tuple[tuple[list[str], list[str]], ...]:
    """(header, row) for every row of the shared CSV downloads."""
    rows = []
    for path in _files(DATA / "csv", "*.csv"):
        reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
        header = next(reader)
        rows.extend((header, row) for row in reader if row)
    return tuple(rows)


def write_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def flat_from_row(header: list[str], row: list[str]) -> bytes:
    cells = dict(zip(header, row, strict=False))
    return "\n".join(cells.get(column, "") for column in _FLAT_COLUMNS).encode("utf-8") + b"\n"


def _get(obj, *keys, default=None):
    for key in keys:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(key)
    return default if obj is None else obj


def page_from_json(study: dict) -> bytes:
    """One API v2 study as the registry's web page saved as text (the sections the page has)."""
    ps = study.get("protocolSection", {})
    out: list[str] = [str(_get(ps, "identificationModule", "briefTitle", default="Untitled")), ""]
    out += [f"NCT ID: {_get(ps, 'identificationModule', 'nctId', default='')}", ""]

    def section(heading: str, *blocks: str) -> None:
        out.extend([heading, "", _EXPLAIN, ""])
        for block in blocks:
            if block:
                out.extend([block, ""])

    status, design = ps.get("statusModule", {}), ps.get("designModule", {})
    basic = {
        "Recruitment Status": _get(status, "overallStatus"),
        "Clinical Phase": ", ".join(_get(design, "phases", default=[])),
        "Total Enrollment": f"{_get(design, 'enrollmentInfo', 'count', default='')} participants",
        "Study Classification": _get(design, "studyType"),
        "Study Start Date": _get(status, "startDateStruct", "date"),
        "Study Completion Date": _get(status, "completionDateStruct", "date"),
    }
    section("Basic Information", *(f"{label}\n\n{value}" for label, value in basic.items() if value))
    section("Brief Summary", _get(ps, "descriptionModule", "briefSummary", default=""))
    section("Detailed Description", _get(ps, "descriptionModule", "detailedDescription", default=""))
    section("Conditions", "\n".join(_get(ps, "conditionsModule", "conditions", default=[])))
    info = _get(design, "designInfo", default={})
    section("Study Design", *(f"{label}\n\n{value}" for label, value in (
        ("Allocation Method", info.get("allocation")), ("Intervention Model", info.get("interventionModel")),
        ("Primary Study Purpose", info.get("primaryPurpose")),
        ("Blinding Strategy", _get(info, "maskingInfo", "masking"))) if value))
    arms = _get(ps, "armsInterventionsModule", default={})
    groups = []
    for arm in arms.get("armGroups", []) or []:
        names = "\n\n".join(str(n) for n in arm.get("interventionNames", []) or [])
        groups.append(f"{arm.get('label', '')}\n\n{arm.get('description', '')}\n\n"
                      f"Group Type {arm.get('type', '')}\n\n{names}")
    section("Study Groups", *groups)
    section("Interventions", *(f"{i.get('name', '')}\n\n{i.get('description', '')}\n\nIntervention Type "
                                f"{i.get('type', '')}" for i in arms.get("interventions", []) or []))
    eligibility = ps.get("eligibilityModule", {})
    section("Eligibility Criteria", eligibility.get("eligibilityCriteria", ""),
            f"Minimum Eligible Age\n\n{eligibility.get('minimumAge', '')}",
            f"Eligible Sex\n\n{eligibility.get('sex', '')}")
    lead = _get(ps, "sponsorCollaboratorsModule", "leadSponsor", default={})
    section("Sponsors", f"{lead.get('name', '')}\n\n{lead.get('class', '')}\n\nSponsor Role lead")
    sites = []
    for site in _get(ps, "contactsLocationsModule", "locations", default=[])[:50]:
        place = ", ".join(str(site[k]) for k in ("city", "state", "country") if site.get(k))
        sites.append(f"{site.get('facility', '')}\n\n{place}\n\nSite Status {site.get('status', 'RECRUITING')}")
    section("Locations", *sites)
    return "\n".join(out).encode("utf-8")


@cache
def documents(layout: str) -> tuple[bytes, ...]:
    """The starting documents of ``layout`` (see the module doc)."""
    if layout == "ctgov-json":
        paths = _files(DATA / "ctgov-json", "*.json") or _files(EXAMPLES / "ctgov-json", "*.json")
        return tuple(p.read_bytes() for p in paths)
    if layout == "ctgov-xml":
        return tuple(p.read_bytes() for p in _files(DATA / "ctgov-xml", "*.xml"))
    if layout == "ctgov-csv":
        return tuple(write_csv(header, [row]) for header, row in csv_rows())
    seeds = _seed_texts()[layout]
    if layout == "flat-record":
        return tuple(seeds + [flat_from_row(header, row) for header, row in csv_rows()])
    if layout == "registry-page":
        rendered = []
        for data in documents("ctgov-json"):
            try:
                rendered.append(page_from_json(json.loads(data)))
            except (ValueError, AttributeError, TypeError):
                continue
        return tuple(seeds + rendered)
    raise KeyError(layout)
