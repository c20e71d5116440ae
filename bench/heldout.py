"""Text-layout parsers and arm links measured on real records, on a development and a held-out part.

    python bench/heldout.py [--data ../shared/data] [--part dev|held-out|all] [--misses N]

Every real API v2 JSON record (and classic XML record, put in the same shape) is written
out as the registry page of seed 003 (once with its "Site Status" lines, once without, as
completed studies show it) and as the flat record of seed 000 (see ``bench/layouts.py``),
parsed back with the project's parsers and compared with the record's own fields:

* page sites kept: a site counts when its facility, city and country come back together;
* CSV sites exact: the record as a row of the CSV download, each site's facility, city,
  state, postal code and country read back as the record has them;
* page arms: label, type and description (whitespace-normalised: the page shows paragraphs);
* eligibility headings kept as written (each heading line of the record's criteria text is
  a line of the page's criteria text), and heading-like lines the splitter recognises, with
  the kind their words say (exclusion for "exclu…"/"non-inclusion", else inclusion);
* flat outcomes exact: measure, description and time frame each equal to the record's,
  and the kind "primary"; a rejected file counts all its outcomes as misses;
* arm-link precision and recall: the links the build makes from the JSON/XML record, judged
  by the record's own ``armGroupLabels`` (authoritative for an intervention that has them)
  and ``interventionNames`` (``Type: name``, exact).

The split is fixed by the NCT id (SHA-1, one record in three held out), so rules can be
developed on one part and checked on records they were not written from.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from layouts import _TYPE_LABELS, from_xml, outcome_entry, render_csv, render_flat, render_page  # noqa: E402

from kg_builder.enrich.facts import arm_links  # noqa: E402
from kg_builder.model import Study  # noqa: E402
from kg_builder.sources import ctgov_csv, ctgov_json, ctgov_xml  # noqa: E402
from kg_builder.sources.base import SourceDocument  # noqa: E402
from kg_builder.sources.eligibility_text import _heading_kind  # noqa: E402
from kg_builder.sources.flat_record import parse_flat_text  # noqa: E402
from kg_builder.sources.outcome_text import split_outcome_cell  # noqa: E402
from kg_builder.sources.registry_page import parse_page_text  # noqa: E402
from kg_builder.sources.values import plain  # noqa: E402

DEFAULT_DATA = ROOT.parent.parent / "shared" / "data"
# A line that talks like an eligibility heading: names inclusion/exclusion and is short.
_HEADING_LIKE = re.compile(r"\b(?:inclusion|exclusion|non[- ]?inclusion)\b", re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:[*\-+•]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s")


def part_of(nct: str) -> str:
    return "held-out" if int(hashlib.sha1(nct.encode()).hexdigest(), 16) % 3 == 0 else "dev"


def _norm(text: str | None) -> str:
    return " ".join(plain(text or "").split())


def _place(city: str | None, state: str | None) -> str:
    return ", ".join(_norm(part) for part in (city, state) if part)


def _parse(module, name: str, data: bytes) -> Study | None:
    found = list(module.iter_records(SourceDocument(name, lambda: io.BytesIO(data))))
    return found[0] if len(found) == 1 and isinstance(found[0], Study) else None


def load(data_dir: Path) -> list[tuple[str, str, dict, Study | None]]:
    """(source kind, NCT id, v2-shaped protocol section, the project's parse of the record)."""
    records = []
    for path in sorted((data_dir / "ctgov-json").glob("*.json")):
        raw = path.read_bytes()
        section = json.loads(raw).get("protocolSection")
        if section:
            records.append(("json", path.stem, section, _parse(ctgov_json, path.name, raw)))
    for path in sorted((data_dir / "ctgov-xml").glob("*.xml")):
        raw = path.read_bytes()
        records.append(("xml", path.stem, from_xml(ET.fromstring(raw)), _parse(ctgov_xml, path.name, raw)))
    return records


class Tally(Counter):
    def ratio(self, hit: str, total: str) -> str:
        return f"{self[hit]}/{self[total]} = {100 * self[hit] / self[total]:.2f}%" if self[total] else "n/a"


def measure_page(record: dict, tally: Tally, misses: list[str], nct: str) -> None:
    # A site is kept when its facility comes back with its own place: city and state (the page
    # line "Murdoch, Perth, Australia" cannot say whether "Perth" is part of the city), country.
    truth_sites = [(_norm(s.get("facility")) or None, _place(s.get("city"), s.get("state")), _norm(s.get("country")))
                   for s in (record.get("contactsLocationsModule") or {}).get("locations") or []]
    for with_status in (True, False):
        study = parse_page_text(render_page(record, site_status=with_status), f"{nct}.txt", "x")
        if not isinstance(study, Study):
            tally["page rejected"] += 1
            continue
        got = Counter((s.facility, _place(s.city, s.state), s.country or "") for s in study.sites)
        kept = sum((got & Counter(truth_sites)).values())
        key = "with status" if with_status else "no status"
        tally[f"sites {key}"] += len(truth_sites)
        tally[f"sites kept {key}"] += kept
        if kept < len(truth_sites):
            misses.append(f"{nct} sites {key}: {kept}/{len(truth_sites)} kept")
        tally["site warnings"] += sum("location" in w or "site" in w for w in study.warnings)
    module = record.get("armsInterventionsModule") or {}
    truth_arms = [(a.get("label"), a.get("type"), _norm(a.get("description")) or None)
                  for a in module.get("armGroups") or []]
    got_arms = [(a.label, a.type, _norm(a.description) or None) for a in study.arms]
    tally["arms"] += len(truth_arms)
    tally["arms exact"] += sum((Counter(got_arms) & Counter(truth_arms)).values())
    tally["arms spurious"] += max(0, len(got_arms) - len(truth_arms))
    if Counter(got_arms) != Counter(truth_arms):
        misses.append(f"{nct} arms: {len(got_arms)} read, {len(truth_arms)} in the record")
    # The page's own links: which arm lists which intervention (by type, name and description).
    raw = module.get("interventions") or []
    truth_links = {(arm.get("label"), _type_label(item.get("type")), item.get("name"), _norm(item.get("description")))
                   for arm in module.get("armGroups") or [] for item in raw
                   if arm.get("label") in (item.get("armGroupLabels") or ())}
    page_links = {(study.arms[a].label, _type_label(study.interventions[i].type), study.interventions[i].name,
                   _norm(study.interventions[i].description)) for a, i in arm_links(study)}
    tally["page links made"] += len(page_links)
    tally["page links right"] += len(page_links & truth_links)
    criteria = plain((record.get("eligibilityModule") or {}).get("eligibilityCriteria") or "")
    page_lines = {line.strip() for line in (study.eligibility.criteria_text or "").split("\n")} \
        if study.eligibility else set()
    for line in criteria.split("\n"):
        if _HEADING_LIKE.search(line) and not _ITEM.match(line) and len(line.strip()) <= 150:
            tally["heading lines"] += 1
            tally["heading lines kept"] += line.strip() in page_lines
            if line.strip() not in page_lines:
                misses.append(f"{nct} heading rewritten: {line.strip()!r}")


def measure_csv(record: dict, tally: Tally, misses: list[str], nct: str) -> None:
    """Sites of the record's CSV download row, part by part."""
    truth = [tuple(_norm(s.get(k)) or None for k in ("facility", "city", "state", "zip", "country"))
             for s in (record.get("contactsLocationsModule") or {}).get("locations") or []]
    if not truth:
        return
    study = _parse(ctgov_csv, f"{nct}.csv", render_csv(record).encode("utf-8"))
    got = [tuple(_norm(v) or None for v in (s.facility, s.city, s.state, s.zip, s.country))
           for s in (study.sites if study else ())]
    kept = sum((Counter(got) & Counter(truth)).values())
    tally["csv sites"] += len(truth)
    tally["csv sites exact"] += kept
    if kept < len(truth):
        wrong = list((Counter(truth) - Counter(got)).elements())
        misses.append(f"{nct} csv sites: {kept}/{len(truth)} exact, e.g. {wrong[0]!r}")


def measure_headings(record: dict, tally: Tally, misses: list[str], nct: str) -> None:
    """Heading-like lines of the criteria text: recognised, and with the kind their words say."""
    criteria = plain((record.get("eligibilityModule") or {}).get("eligibilityCriteria") or "")
    for line in criteria.split("\n"):
        text = line.strip().strip("*_#").strip()
        if not text or len(text) > 150 or not _HEADING_LIKE.search(text) or _ITEM.match(line):
            continue
        if not re.search(r"criteri|:\s*$|^\W*(?:key\s+)?(?:non[- ]?)?(?:inclusion|exclusion)\W*$", text, re.I):
            continue  # a sentence that mentions exclusion, not a heading
        if re.search(r"\binclusion", text, re.I) and re.search(r"\bexclusion", text, re.I):
            continue  # names both kinds: no heading of either
        tally["qualified headings"] += 1
        found = _heading_kind(line.strip())
        expected = "exclusion" if re.search(r"exclu|non[- ]?inclu", text, re.I) else "inclusion"
        if found is not None and found[0] == expected:
            tally["qualified headings right"] += 1
        else:
            misses.append(f"{nct} heading {text!r}: read {found and found[0]}, expected {expected}")


def measure_flat(record: dict, tally: Tally, misses: list[str], nct: str) -> None:
    truth = [(plain(o["measure"]).strip(), plain(o["description"]).strip() if o.get("description") else None,
              plain(o["timeFrame"]).strip() if o.get("timeFrame") else None)
             for o in (record.get("outcomesModule") or {}).get("primaryOutcomes") or [] if o.get("measure")]
    for repeat in (False, True):
        tally["flat records"] += 1
        tally["flat outcomes"] += len(truth)
        study = parse_flat_text(render_flat(record, repeat_summary=repeat), f"{nct}.txt", "x")
        if not isinstance(study, Study):
            tally["flat rejected"] += 1
            misses.append(f"{nct} flat rejected (summary repeated: {repeat}): {study.reason}")
            continue
        got = [(o.measure, o.description, o.time_frame) for o in study.outcomes]
        tally["flat primary kind"] += sum(o.kind == "primary" for o in study.outcomes)
        tally["flat warnings"] += sum("outcome" in w for w in study.warnings)
        for index, field in enumerate(("measure", "description", "time frame")):
            same = Counter(g[index] for g in got) & Counter(t[index] for t in truth)
            tally[f"flat {field} exact"] += sum(same.values())
        exact = sum((Counter(got) & Counter(truth)).values())
        tally["flat outcomes exact"] += exact
        if exact < len(truth) and not repeat:
            for item in truth:
                if item not in got:
                    near = [g for g in got if g[0][:20] == item[0][:20]]
                    misses.append(f"{nct} flat outcome: {item!r}\n      read {near!r}")


def measure_secondary(record: dict, tally: Tally, misses: list[str], nct: str) -> None:
    """The CSV's "Secondary Outcome Measures" cell through the same splitter: a check on outcome
    text the splitter's rules were not written from."""
    raw = (record.get("outcomesModule") or {}).get("secondaryOutcomes") or []
    truth = [(plain(o["measure"]).strip(), plain(o["description"]).strip() if o.get("description") else None,
              plain(o["timeFrame"]).strip() if o.get("timeFrame") else None) for o in raw if o.get("measure")]
    got = [(o.measure, o.description, o.time_frame)
           for o in split_outcome_cell(plain("|".join(outcome_entry(o) for o in raw)), "secondary")]
    tally["secondary outcomes"] += len(truth)
    tally["secondary exact"] += sum((Counter(got) & Counter(truth)).values())
    for item in truth:
        if item not in got:
            misses.append(f"{nct} secondary outcome: {item!r}")


def _type_label(code: str | None) -> str:
    return _TYPE_LABELS.get(code or "", "Other")


def measure_links(record: dict, study: Study | None, tally: Tally, misses: list[str], nct: str) -> None:
    """Links the build makes, judged by the record's own fields on both sides."""
    if study is None:
        return
    module = record.get("armsInterventionsModule") or {}
    raw_arms = {a.get("label"): a for a in module.get("armGroups") or []}
    raw_items = module.get("interventions") or []
    if len(raw_items) != len(study.interventions):
        tally["link studies skipped"] += 1
        return

    def ref(item: dict) -> str:
        return f"{_type_label(item.get('type'))}: {item.get('name')}"

    def supported(label: str, i: int) -> bool:
        item, arm = raw_items[i], raw_arms.get(label) or {}
        if label in (item.get("armGroupLabels") or ()):
            return True
        if ref(item) not in (arm.get("interventionNames") or ()):
            return False
        # The arm names it; another intervention of that type and name claiming this arm is the one meant.
        twins = [j for j, other in enumerate(raw_items) if j != i and ref(other) == ref(item)]
        return not any(label in (raw_items[j].get("armGroupLabels") or ()) for j in twins) and not (
            item.get("armGroupLabels") and twins)

    made = {(study.arms[a].label, i) for a, i in arm_links(study)}
    truth = {(label, i) for label in raw_arms for i in range(len(raw_items)) if supported(label, i)}
    tally["links made"] += len(made)
    tally["links right"] += len(made & truth)
    tally["links in record"] += len(truth)
    tally["links found"] += len(made & truth)
    for label, i in sorted(made - truth):
        misses.append(f"{nct} spurious link: {label!r} -> {ref(raw_items[i])!r}")
    for label, i in sorted(truth - made):
        misses.append(f"{nct} missed link: {label!r} -> {ref(raw_items[i])!r}")


def report(name: str, tally: Tally) -> None:
    print(f"== {name}")
    print(f"  page sites kept (with status lines)   {tally.ratio('sites kept with status', 'sites with status')}")
    print(f"  page sites kept (no status lines)     {tally.ratio('sites kept no status', 'sites no status')}")
    print(f"  CSV sites exact (facility..country)   {tally.ratio('csv sites exact', 'csv sites')}")
    print(f"  page arms exact                       {tally.ratio('arms exact', 'arms')}"
          f"  (spurious {tally['arms spurious']})")
    print(f"  page arm-link precision               {tally.ratio('page links right', 'page links made')}")
    print(f"  page criteria headings as written     {tally.ratio('heading lines kept', 'heading lines')}")
    print(f"  qualified headings recognised+kind    {tally.ratio('qualified headings right', 'qualified headings')}")
    print(f"  criteria texts split into criteria    {tally.ratio('criteria texts read', 'criteria texts')}")
    print(f"  flat outcomes exact                   {tally.ratio('flat outcomes exact', 'flat outcomes')}"
          f"  (files rejected {tally['flat rejected']}/{tally['flat records']}, "
          f"ambiguity warnings {tally['flat warnings']})")
    for field in ("measure", "description", "time frame"):
        print(f"    {field:<12}                        {tally.ratio(f'flat {field} exact', 'flat outcomes')}")
    print(f"    kind primary                        {tally.ratio('flat primary kind', 'flat outcomes')}")
    print(f"  secondary outcome cells exact         {tally.ratio('secondary exact', 'secondary outcomes')}")
    print(f"  arm-link precision                    {tally.ratio('links right', 'links made')}")
    print(f"  arm-link recall                       {tally.ratio('links found', 'links in record')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--part", choices=("dev", "held-out", "all"), default="all",
                        help="which part's misses to print (figures are printed for every part)")
    parser.add_argument("--misses", type=int, default=0, help="print up to N misses of the chosen part")
    args = parser.parse_args(argv)
    tallies = {"dev": Tally(), "held-out": Tally()}
    misses: dict[str, list[str]] = {"dev": [], "held-out": []}
    records = load(args.data)
    for _kind, nct, record, study in records:
        part = part_of(nct)
        tally, missed = tallies[part], misses[part]
        tally["records"] += 1
        measure_page(record, tally, missed, nct)
        measure_csv(record, tally, missed, nct)
        measure_headings(record, tally, missed, nct)
        measure_flat(record, tally, missed, nct)
        measure_links(record, study, tally, missed, nct)
        measure_secondary(record, tally, missed, nct)
        if study is not None and study.eligibility and study.eligibility.criteria_text:
            tally["criteria texts"] += 1
            tally["criteria texts read"] += bool(study.eligibility.criteria)
    for part in ("dev", "held-out"):
        report(f"{part} ({tallies[part]['records']} records)", tallies[part])
    report(f"whole ({len(records)} records)", Tally(tallies["dev"] + tallies["held-out"]))
    shown = misses["dev"] + misses["held-out"] if args.part == "all" else misses[args.part]
    for line in shown[: args.misses]:
        print("  MISS", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
