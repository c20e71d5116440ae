"""Mapping the rest of the record and the results: personal data only on request, PubMed IRIs, what a MeSH
descriptor is only where the record tells, and results that hang off the outcome they measure."""

from __future__ import annotations

import json
from pathlib import Path

from parser_helpers import doc_from_bytes, doc_from_path, parse_one
from pyoxigraph import NamedNode

from kg_builder.iris import IriMinter
from kg_builder.mapping.study import map_study
from kg_builder.sources import ctgov_json
from kg_builder.vocab import KG, SCHEMA

T = "https://w3id.org/kg-builder/id/trial/"


def _quads(data: bytes | Path, *, include_contacts: bool = False) -> set[tuple[str, str, str]]:
    doc = doc_from_path(data) if isinstance(data, Path) else doc_from_bytes(data)
    study = parse_one(ctgov_json.iter_records, doc)
    _ctx, quads, _warnings = map_study(study, IriMinter(), build_time="2025-01-01T00:00:00Z",
                                       include_contacts=include_contacts)
    return {(q.subject.value, q.predicate.value, q.object.value) for q in quads}


def test_names_of_officials_and_results_contacts_only_on_request(shared_data: Path) -> None:
    path = shared_data / "ctgov-json" / "NCT02513394.json"
    plain, opted = _quads(path), _quads(path, include_contacts=True)
    official = f"{T}NCT02513394/official/1"
    assert (official, KG.affiliation.value, "Alliance Foundation Trials, LLC.") in plain
    assert not any(s == official and p == SCHEMA.name.value for s, p, _o in plain)
    assert any(s == official and p == SCHEMA.name.value for s, p, _o in opted)
    assert "emayer@partners.org" not in {o for _s, _p, o in plain}
    assert (f"{T}NCT02513394/results-contact", SCHEMA.email.value, "emayer@partners.org") in opted


def test_references_are_pubmed_iris(shared_data: Path) -> None:
    quads = _quads(shared_data / "ctgov-json" / "NCT02513394.json")
    assert (f"{T}NCT02513394/reference/1", KG.publication.value, "https://pubmed.ncbi.nlm.nih.gov/34995105") in quads


def _record(meshes: list[dict], ancestors: list[dict], outcomes: dict | None = None,
            results: dict | None = None) -> bytes:
    record = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567", "briefTitle": "T"},
                                  "outcomesModule": outcomes or {}},
              "derivedSection": {"conditionBrowseModule": {"meshes": meshes, "ancestors": ancestors}}}
    if results:
        record["resultsSection"] = results
    return json.dumps(record).encode()


def test_a_descriptors_ancestors_are_told_only_by_a_record_that_indexes_it_alone() -> None:
    breast = {"id": "D001943", "term": "Breast Neoplasms"}
    neoplasms = [{"id": "D009369", "term": "Neoplasms"}]
    alone = _quads(_record([breast], neoplasms))
    mesh = "http://id.nlm.nih.gov/mesh/"
    assert (f"{mesh}D001943", KG.meshAncestor.value, f"{mesh}D009369") in alone
    assert (f"{T}NCT01234567", KG.conditionAncestor.value, f"{mesh}D009369") in alone
    two = _quads(_record([breast, {"id": "D008545", "term": "Melanoma"}], neoplasms))
    assert not any(p == KG.meshAncestor.value for _s, p, _o in two)
    assert (f"{T}NCT01234567", KG.conditionAncestor.value, f"{mesh}D009369") in two


def test_a_result_hangs_off_its_outcome_and_a_post_hoc_one_gets_an_outcome_of_its_own() -> None:
    outcomes = {"primaryOutcomes": [{"measure": "Response rate", "timeFrame": "1 year"}]}
    results = {"outcomeMeasuresModule": {"outcomeMeasures": [
        {"type": "PRIMARY", "title": "Response Rate", "groups": [{"id": "OG000", "title": "All"}]},
        {"type": "POST_HOC", "title": "Time to response", "groups": [{"id": "OG000", "title": "All"}]}]}}
    quads = _quads(_record([], [], outcomes, results))
    trial = f"{T}NCT01234567"
    assert (f"{trial}/result/1", KG.resultOf.value, f"{trial}/outcome/1") in quads
    assert (f"{trial}/result/2", KG.resultOf.value, f"{trial}/outcome/2") in quads
    assert (trial, KG.outcome.value, f"{trial}/outcome/2") in quads
    assert (f"{trial}/outcome/2", KG.outcomeKind.value,
            NamedNode("https://w3id.org/kg-builder/vocab/outcome-kind/post_hoc").value) in quads
    # one group "All", reported by both results
    assert {(s, o) for s, p, o in quads if p == KG.reportsGroup.value} == {
        (f"{trial}/result/1", f"{trial}/group/1"), (f"{trial}/result/2", f"{trial}/group/1")}
