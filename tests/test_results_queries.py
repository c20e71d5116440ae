"""Every real record with results, read straight from its JSON, against what the named queries answer.

For each API v2 record of ``shared/data`` with a ``resultsSection`` (20 of them): every adverse-event term
with its group's affected and at-risk counts (adverse-events-of-trial), every outcome measurement value
with its group, category and limits (results-of-trial), every PMID (references-of-trial), and every MeSH
ancestor (trials-under-mesh finds the trial under each). The JSON is read here with plain ``json``, not
through the parser, so the parser and mapper are checked against the record itself.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kg_builder.build import build
from kg_builder.errors import QueryError
from kg_builder.settings import Settings
from kg_builder.sources.eligibility_text import unescape_commonmark
from kg_builder.store.generations import open_read_only
from kg_builder.store.named_queries import execute_named, load_named_queries


def _records(shared_data: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    found = {}
    for path in sorted((shared_data / "ctgov-json").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if "resultsSection" in record:
            found[record["protocolSection"]["identificationModule"]["nctId"]] = (path, record)
    return found


@pytest.fixture(scope="module")
def records(shared_data: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    found = _records(shared_data)
    assert len(found) >= 20
    return found


@pytest.fixture(scope="module")
def store(records: dict[str, tuple[Path, dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory):
    directory = tmp_path_factory.mktemp("results") / "store"
    report = build([path for path, _record in records.values()], directory, fresh=True)
    assert report.built == len(records) and not report.violations
    return open_read_only(directory)


def _rows(store, name: str, **params: str) -> list[dict[str, str | None]]:
    query = load_named_queries(Settings().queries_dir)[name]
    result = execute_named(store, query, params)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


def _text(value: str | None) -> str | None:
    """Text as the record means it: CommonMark escapes undone, outer space stripped (as the parser reads)."""
    return None if value is None else unescape_commonmark(value).strip() or None


def _number(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value).strip())
    except ArithmeticError:
        return None  # "NA" and other words: no number


def _titles(groups: list[dict[str, Any]]) -> dict[str, str]:
    return {g["id"]: _text(g.get("title")) or g["id"] for g in groups}


def _ids(records: dict) -> list[str]:
    return sorted(records)


@pytest.mark.parametrize("nct", _ids(_records(Path(__file__).resolve().parents[2] / "shared" / "data"))
                         if (Path(__file__).resolve().parents[2] / "shared" / "data").is_dir() else [])
def test_record_results_match_the_named_queries(records, store, nct: str) -> None:
    _path, record = records[nct]
    results = record["resultsSection"]
    trial = f"https://w3id.org/kg-builder/id/trial/{nct}"

    events = results.get("adverseEventsModule", {})
    titles = _titles(events.get("eventGroups", []))
    expected = Counter()
    for key, serious in (("seriousEvents", "true"), ("otherEvents", "false")):
        for event in events.get(key, []):
            for stat in event.get("stats", []):
                expected[(titles[stat["groupId"]], _text(event["term"]), _text(event.get("organSystem")), serious,
                          _number(stat.get("numAffected")), _number(stat.get("numAtRisk")))] += 1
    rows = _rows(store, "adverse-events-of-trial", nct=nct)
    assert {r["trial"] for r in rows} <= {trial}
    found = Counter((r["group"], r["term"], r["organSystem"], r["serious"], _number(r["affected"]),
                     _number(r["atRisk"])) for r in rows)
    assert found == expected
    assert sum(expected.values()) == sum(len(e.get("stats", [])) for k in ("seriousEvents", "otherEvents")
                                         for e in events.get(k, []))

    expected = Counter()
    for outcome in results.get("outcomeMeasuresModule", {}).get("outcomeMeasures", []):
        groups = _titles(outcome.get("groups", []))
        for cls in outcome.get("classes", []):
            for category in cls.get("categories", []):
                parts = [t for t in (_text(cls.get("title")), _text(category.get("title"))) if t]
                for value in category.get("measurements", []):
                    # older exports write parameter types as labels ("Mean"); the graph has the API v2 code
                    param = (outcome.get("paramType") or "").upper().replace(" ", "_") or None
                    expected[(_text(outcome["title"]), groups[value["groupId"]], " / ".join(parts) or None, param,
                              _number(value.get("value")), _text(outcome.get("unitOfMeasure")),
                              _number(value.get("lowerLimit")), _number(value.get("upperLimit")))] += 1
    rows = _rows(store, "results-of-trial", nct=nct)
    found = Counter((r["outcome"], r["group"], r["category"], r["paramType"], _number(r["value"]), r["unit"],
                     _number(r["lower"]), _number(r["upper"])) for r in rows)
    assert found == expected

    references = record["protocolSection"].get("referencesModule", {}).get("references", [])
    rows = _rows(store, "references-of-trial", nct=nct)
    assert {r["pmid"] for r in rows if r["pmid"]} == {str(int(r["pmid"])) for r in references if r.get("pmid")}
    assert len(rows) == len([r for r in references if r.get("pmid") or r.get("citation")])

    derived = record.get("derivedSection", {})
    for module in ("conditionBrowseModule", "interventionBrowseModule"):
        for ancestor in derived.get(module, {}).get("ancestors", []):
            rows = _rows(store, "trials-under-mesh", mesh=ancestor["id"])
            assert trial in {r["trial"] for r in rows}, (module, ancestor)


def test_a_descriptor_id_matches_in_either_width(store) -> None:
    """D009369 and D000009369 name the same descriptor (API v2 pads ids to nine digits)."""
    short = {r["trial"] for r in _rows(store, "trials-under-mesh", mesh="D009369")}
    long = {r["trial"] for r in _rows(store, "trials-under-mesh", mesh="D000009369")}
    assert short == long and "https://w3id.org/kg-builder/id/trial/NCT02513394" in short
    assert {r["trial"] for r in _rows(store, "trials-under-mesh", mesh="d009369")} == short  # case aside


def test_a_descriptor_id_is_checked_before_the_query_runs(store) -> None:
    """The id is bound as the descriptor's IRI: text that is no MeSH id is the user's mistake, said in one line."""
    for wrong in ("Neoplasms", "D12", "X009369", "D009369 OR 1=1"):
        with pytest.raises(QueryError, match="not a valid mesh id"):
            _rows(store, "trials-under-mesh", mesh=wrong)


def test_term_is_the_trials_own_term(store) -> None:
    """Under Neoplasms, the breast cancer trial's own term is Breast Neoplasms, which the record indexes alone."""
    rows = _rows(store, "trials-under-mesh", mesh="D009369")
    assert {r["term"] for r in rows if r["trial"].endswith("NCT02513394")} == {"Breast Neoplasms"}
